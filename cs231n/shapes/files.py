"""Write (and read back the PCA of) a shapes dataset directory in the COCO schema.

A directory holds, for every split NAME (e.g. "train", "val"):
- coco2014_captions.h5: NAME_captions (M, 17) int32 and NAME_image_idxs (M,) int32
- NAME2014_vgg16_fc7_pca.h5: features (N, 512) float32
- NAME2014_urls.txt: one line "shapes://NAME2014/<index>" per image
- NAME2014_images.h5: images (N, 64, 64, 3) uint8, scenes (N, 3, 5) int32 and
  backgrounds (N,) int32 (not part of the real COCO release)
and, once, coco2014_vocab.json (vocabulary plus the names of scene attributes) and
featuriser_pca.h5 (the PCA fitted on train, to featurise further splits alike).
"""

import json
from pathlib import Path

import h5py
import numpy as np

from cs231n.shapes.dataset import ShapesSplit
from cs231n.shapes.grammar import IDX_TO_WORD, WORD_TO_IDX
from cs231n.shapes.pca import PCA
from cs231n.shapes.scenes import BACKGROUNDS, COLOURS, SCENE_COLUMNS, SHAPES, SIZES

CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
PCA_FILE = "featuriser_pca.h5"
IMAGE_CHUNK = 256  # images per HDF5 chunk


def write_vocab(out_dir: str | Path) -> None:
    """Write coco2014_vocab.json: idx_to_word, word_to_idx and the attribute names.

    The extra keys shape_names, colour_names, size_names and background_names list the
    names indexed by the scene columns and backgrounds; scene_columns names the
    columns of a scene row.
    """
    vocab = {
        "idx_to_word": list(IDX_TO_WORD),
        "word_to_idx": WORD_TO_IDX,
        "shape_names": list(SHAPES),
        "colour_names": list(COLOURS),
        "size_names": list(SIZES),
        "background_names": list(BACKGROUNDS),
        "scene_columns": list(SCENE_COLUMNS),
    }
    (Path(out_dir) / VOCAB_FILE).write_text(json.dumps(vocab, indent=1))


def write_split(out_dir: str | Path, name: str, split: ShapesSplit) -> None:
    """Write the files of one split, replacing any earlier split of that name.

    Inputs:
    - out_dir: Dataset directory (created if missing)
    - name: Split name, e.g. "train"; files are prefixed with name + "2014"
    - split: The arrays to write
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with h5py.File(out / CAPTIONS_FILE, "a") as f:
        for key, value in (
            (f"{name}_captions", split.captions),
            (f"{name}_image_idxs", split.image_idxs),
        ):
            if key in f:
                del f[key]
            f.create_dataset(key, data=value.astype(np.int32))
    with h5py.File(out / f"{name}2014_vgg16_fc7_pca.h5", "w") as f:
        f.create_dataset("features", data=split.features.astype(np.float32))
    lines = [f"shapes://{name}2014/{i}\n" for i in range(len(split.images))]
    (out / f"{name}2014_urls.txt").write_text("".join(lines))
    with h5py.File(out / f"{name}2014_images.h5", "w") as f:
        chunk = (max(min(IMAGE_CHUNK, len(split.images)), 1), *split.images.shape[1:])
        f.create_dataset(
            "images", data=split.images, chunks=chunk, compression="gzip", compression_opts=1
        )
        f.create_dataset("scenes", data=split.scenes.astype(np.int32))
        f.create_dataset("backgrounds", data=split.backgrounds.astype(np.int32))


def write_pca(out_dir: str | Path, pca: PCA) -> None:
    """Save the PCA fitted on train to featuriser_pca.h5."""
    with h5py.File(Path(out_dir) / PCA_FILE, "w") as f:
        for key in ("mean", "std", "weights", "components"):
            f.create_dataset(key, data=getattr(pca, key))
        f.attrs["scale"] = pca.scale


def load_pca(data_dir: str | Path) -> PCA:
    """Load the PCA saved by `write_pca`, to featurise a new split like train and val."""
    with h5py.File(Path(data_dir) / PCA_FILE, "r") as f:
        arrays = {key: f[key][()] for key in ("mean", "std", "weights", "components")}
        return PCA(**arrays, scale=float(f.attrs["scale"]))


def write_dataset(out_dir: str | Path, splits: dict[str, ShapesSplit], pca: PCA) -> None:
    """Write a whole dataset directory: vocabulary, PCA and every split.

    Inputs:
    - out_dir: Dataset directory; an existing captions file in it is replaced
    - splits: Split name -> arrays, e.g. {"train": ..., "val": ...}
    - pca: The PCA fitted on the training split
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / CAPTIONS_FILE).unlink(missing_ok=True)
    write_vocab(out)
    write_pca(out, pca)
    for name, split in splits.items():
        write_split(out, name, split)
