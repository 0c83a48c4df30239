"""The held-out split of the leaderboard: instructor side only, never released.

It is made like the train and val splits (same scene sampler, caption grammar,
featuriser and the PCA fitted on train), from a seed that exists only here, and is
cached under build/ keyed by a fingerprint of the dataset it extends.

`cs231n` is imported on first use: in the grader it must be the reference package,
which `autograder.reference.reference_modules()` puts on the path.
"""

import fcntl
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.atomic import write_atomically
from autograder.paths import BUILD, DATA_DIR

# Change it (to any other large number) to draw a fresh held-out split; keep it secret.
HELDOUT_SEED = 73_190_452_861
NUM_IMAGES = 1000
CACHE_DIR = BUILD / "leaderboard"
# Files of the dataset that decide what a split built from the seed looks like.
DATASET_FILES = ("featuriser_pca.h5", "coco2014_vocab.json")


@dataclass(frozen=True)
class HeldOut:
    """The held-out split, N images.

    - features: float32 array of shape (N, D), the model inputs
    - references: for each image, its ground-truth caption strings
    - idx_to_word: the vocabulary of the dataset, V words
    - max_length: number of words to sample per caption (the longest caption plus <END>)
    """

    features: np.ndarray
    references: list[list[str]]
    idx_to_word: list[str]
    max_length: int


def fingerprint(data_dir: Path) -> str:
    """A digest of the dataset files and the split's settings (names the cache file)."""
    digest = hashlib.sha256(f"{HELDOUT_SEED}:{NUM_IMAGES}".encode())
    for name in DATASET_FILES:
        digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()[:20]


def _build(data_dir: Path, path: Path) -> None:
    """Generate the split and save its features and captions to path (atomically)."""
    from cs231n.shapes.dataset import build_split
    from cs231n.shapes.files import load_pca

    split = build_split(NUM_IMAGES, HELDOUT_SEED, load_pca(data_dir))
    arrays = io.BytesIO()
    np.savez(arrays, features=split.features, captions=split.captions, image_idxs=split.image_idxs)
    write_atomically(path, arrays.getvalue())


def heldout_split(data_dir: Path = DATA_DIR, cache_dir: Path = CACHE_DIR) -> HeldOut:
    """The held-out split, built on first use and cached (parallel workers wait for one).

    Inputs:
    - data_dir: The built dataset whose PCA and vocabulary the split uses
    - cache_dir: Where the split is cached

    Returns:
    - HeldOut of NUM_IMAGES images
    """
    from cs231n.coco_utils import decode_captions

    data_dir = Path(data_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"heldout-{fingerprint(data_dir)}.npz"
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            _build(data_dir, path)
    with np.load(path, allow_pickle=False) as arrays:
        features, captions, image_idxs = (
            arrays[name] for name in ("features", "captions", "image_idxs")
        )
    idx_to_word = json.loads((data_dir / "coco2014_vocab.json").read_text())["idx_to_word"]
    references = [[] for _ in range(len(features))]
    for text, image in zip(decode_captions(captions, idx_to_word), image_idxs, strict=True):
        references[image].append(text)
    return HeldOut(features, references, idx_to_word, captions.shape[1] - 1)
