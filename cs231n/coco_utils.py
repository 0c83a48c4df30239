"""Loading, sampling and decoding of image-captioning data.

The loader reads the file layout of the classic COCO captioning release
(`coco_captioning.zip`, see data/get_coco.sh); the embedded shapes dataset built by
`make data` uses the same layout plus two optional image files:

    coco2014_captions.h5         train_captions (M, 17) int32, train_image_idxs (M,) int32,
                                 val_captions, val_image_idxs
    coco2014_vocab.json          idx_to_word (list), word_to_idx (dict), maybe more keys
    train2014_vgg16_fc7_pca.h5   features (N_train, D) float32   (pca_features=True)
    val2014_vgg16_fc7_pca.h5     features (N_val, D) float32
    train2014_vgg16_fc7.h5       features (N_train, 4096) float32 (pca_features=False)
    val2014_vgg16_fc7.h5         features (N_val, 4096) float32
    train2014_urls.txt           one image URL per line
    val2014_urls.txt
    train2014_images.h5          optional: images (N_train, 64, 64, 3) uint8, scenes and
    val2014_images.h5            backgrounds (scene descriptions, see cs231n.shapes)
"""

import json
import os
from pathlib import Path

import numpy as np

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "shapes_captioning"
DATA_DIR_ENV_VAR = "CS231N_DATA_DIR"
SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>")

_SPLITS = ("train", "val")
_HOW_TO_GET_DATA = (
    "run `make data` to build the embedded dataset, or download the COCO release with "
    "data/get_coco.sh and pass base_dir='data/coco_captioning'"
)


def default_data_dir() -> Path:
    """Directory load_coco_data reads when no base_dir is given.

    Returns:
    - The path in the environment variable CS231N_DATA_DIR if it is set and not
      empty, else DEFAULT_DATA_DIR (<repo>/data/shapes_captioning)
    """
    return Path(os.environ.get(DATA_DIR_ENV_VAR) or DEFAULT_DATA_DIR)


def _require_file(path: Path) -> Path:
    """Return path, or raise FileNotFoundError explaining how to get the data."""
    if not path.is_file():
        raise FileNotFoundError(f"Missing captioning data file {path}: {_HOW_TO_GET_DATA}.")
    return path


def _open_h5(path: Path):
    """Open an HDF5 file for reading, an h5py.File.

    h5py is imported here, when a file is read, so that importing this module (as the
    solver does) stays quick.
    """
    import h5py

    return h5py.File(path, "r")


def _read_h5(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the named datasets of an HDF5 file; every name must be present."""
    with _open_h5(_require_file(path)) as f:
        missing = [name for name in names if name not in f]
        if missing:
            raise KeyError(f"{path} has no dataset(s) {missing}; found {sorted(f.keys())}")
        return {name: f[name][()] for name in names}


def _read_urls(path: Path) -> np.ndarray:
    """Read one URL per line into a numpy array of str."""
    with _require_file(path).open(encoding="utf-8") as f:
        return np.array([line.strip() for line in f], dtype=str)


def load_coco_data(
    base_dir: str | os.PathLike | None = None,
    max_train: int | None = None,
    pca_features: bool = True,
    seed: int | None = None,
) -> dict:
    """Load a captioning dataset stored in the COCO captioning release layout.

    Inputs:
    - base_dir: Directory holding the files (see the module docstring). None means
      default_data_dir(): $CS231N_DATA_DIR if set, else <repo>/data/shapes_captioning
    - max_train: If not None, keep only this many training captions, drawn at
      random WITH replacement from all training captions (image features are kept
      whole, since captions index into them)
    - pca_features: If True load the PCA-reduced image features, else the raw
      4096-dimensional VGG16 fc7 features
    - seed: Seed for the max_train subsampling; None uses the global np.random state

    Returns a dictionary with keys:
    - train_captions: int32 array (M_train, T) of word indices
    - train_image_idxs: int32 array (M_train,); the image of each caption, indexing
      train_features and train_urls
    - val_captions, val_image_idxs: The same for the validation split
    - train_features: float32 array (N_train, D) of image features
    - val_features: float32 array (N_val, D)
    - idx_to_word: List mapping word index to word
    - word_to_idx: Dictionary mapping word to word index
    - train_urls, val_urls: str arrays (N_train,) and (N_val,) of image URLs
    - every other key of coco2014_vocab.json
    - only if train2014_images.h5 / val2014_images.h5 exist: train_images and
      val_images (uint8 arrays (N, H, W, 3)), plus train_scenes, val_scenes,
      train_backgrounds, val_backgrounds when those datasets are present

    Raises FileNotFoundError, saying how to get the data, if base_dir or a
    required file is missing.
    """
    base = Path(base_dir) if base_dir is not None else default_data_dir()
    if not base.is_dir():
        raise FileNotFoundError(
            f"Captioning data directory {base} does not exist: {_HOW_TO_GET_DATA}."
        )

    caption_names = tuple(
        f"{split}_{kind}" for split in _SPLITS for kind in ("captions", "image_idxs")
    )
    data = _read_h5(base / "coco2014_captions.h5", caption_names)

    with _require_file(base / "coco2014_vocab.json").open(encoding="utf-8") as f:
        data.update(json.load(f))

    suffix = "_pca" if pca_features else ""
    for split in _SPLITS:
        features_file = base / f"{split}2014_vgg16_fc7{suffix}.h5"
        data[f"{split}_features"] = _read_h5(features_file, ("features",))["features"]
        data[f"{split}_urls"] = _read_urls(base / f"{split}2014_urls.txt")

        images_file = base / f"{split}2014_images.h5"
        if images_file.is_file():
            with _open_h5(images_file) as f:
                for name in ("images", "scenes", "backgrounds"):
                    if name in f:
                        data[f"{split}_{name}"] = f[name][()]

    if max_train is not None:
        rng = np.random if seed is None else np.random.default_rng(seed)
        rows = rng.choice(data["train_captions"].shape[0], size=max_train)
        data["train_captions"] = data["train_captions"][rows]
        data["train_image_idxs"] = data["train_image_idxs"][rows]
    return data


def sample_coco_minibatch(
    data: dict,
    batch_size: int = 100,
    split: str = "train",
    rng: np.random.Generator | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw a random minibatch of captions (with replacement) and their images.

    Inputs:
    - data: Dictionary from load_coco_data
    - batch_size: Number of captions to draw
    - split: 'train' or 'val'
    - rng: np.random.Generator or RandomState to draw with; None uses the global
      np.random state

    Returns a tuple of:
    - captions: Array (batch_size, T) of word indices
    - features: Array (batch_size, D) with the features of each caption's image
    - urls: str array (batch_size,) with the URL of each caption's image
    """
    source = np.random if rng is None else rng
    rows = source.choice(data[f"{split}_captions"].shape[0], batch_size)
    captions = data[f"{split}_captions"][rows]
    image_idxs = data[f"{split}_image_idxs"][rows]
    return captions, data[f"{split}_features"][image_idxs], data[f"{split}_urls"][image_idxs]


def decode_captions(captions: np.ndarray, idx_to_word) -> list[str] | str:
    """Turn arrays of word indices into space-separated strings.

    <NULL> tokens are dropped, <START> is kept, and decoding of a caption stops
    right after its first <END>, which is kept as the last word.

    Inputs:
    - captions: Integer array (N, T) of N captions, or (T,) for a single caption
    - idx_to_word: List (or dict keyed by int) mapping word index to word

    Returns:
    - A list of N strings for a 2-D input, or a single string for a 1-D input
    """
    captions = np.asarray(captions)
    decoded = []
    for row in np.atleast_2d(captions):
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if captions.ndim == 1 else decoded


def strip_special_tokens(caption: str) -> str:
    """Remove <START>, <NULL> and <END> (and anything after <END>) from a caption.

    Inputs:
    - caption: Space-separated caption, e.g. from decode_captions

    Returns:
    - The remaining words joined by single spaces, e.g.
      "<START> a red circle <END> <NULL>" -> "a red circle"
    """
    words = []
    for word in caption.split():
        if word == "<END>":
            break
        if word not in SPECIAL_TOKENS:
            words.append(word)
    return " ".join(words)
