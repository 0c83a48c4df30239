"""Assemble splits of the shapes captioning dataset: scenes, images, captions, features."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from cs231n.shapes.features import feature_weights, raw_features
from cs231n.shapes.grammar import CAPTION_LENGTH, encode_caption, sample_captions
from cs231n.shapes.pca import PCA
from cs231n.shapes.scenes import render_scenes, sample_scenes

DEFAULT_SEED = 231
DEFAULT_TRAIN = 10_000
DEFAULT_VAL = 2_000
CAPTIONS_PER_IMAGE = 5
FEATURE_DIM = 512

Seed = int | np.random.SeedSequence


@dataclass
class ShapesSplit:
    """One split of the dataset, N images.

    - images: uint8 array of shape (N, 64, 64, 3)
    - scenes: int32 array of shape (N, 3, 5), see `cs231n.shapes.scenes`
    - backgrounds: int32 array of shape (N,)
    - captions: int32 array of shape (5 * N, 17), word ids
    - image_idxs: int32 array of shape (5 * N,), the image of each caption
    - features: float32 array of shape (N, 512), PCA'd features
    """

    images: np.ndarray
    scenes: np.ndarray
    backgrounds: np.ndarray
    captions: np.ndarray
    image_idxs: np.ndarray
    features: np.ndarray


@dataclass
class PhaseTimer:
    """Accumulates wall-clock seconds per named phase."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start


def _unfeaturised(num_images: int, seed: Seed, timer: PhaseTimer) -> dict[str, np.ndarray]:
    """Sample and render scenes and draw their captions; every field but the features."""
    rng = np.random.default_rng(seed)
    with timer("sample scenes"):
        batch = sample_scenes(num_images, rng)
    with timer("render"):
        images = render_scenes(batch)
    with timer("captions"):
        captions = [
            encode_caption(caption)
            for scene, background in zip(batch.scenes, batch.backgrounds, strict=True)
            for caption in sample_captions(scene, background, rng, CAPTIONS_PER_IMAGE)
        ]
        captions = np.stack(captions) if captions else np.zeros((0, CAPTION_LENGTH), dtype=np.int32)
    return {
        "images": images,
        "scenes": batch.scenes,
        "backgrounds": batch.backgrounds,
        "captions": captions,
        "image_idxs": np.repeat(np.arange(num_images, dtype=np.int32), CAPTIONS_PER_IMAGE),
    }


def build_split(
    num_images: int, seed: Seed, pca: PCA, timer: PhaseTimer | None = None
) -> ShapesSplit:
    """Build a split whose features use an already fitted PCA.

    This is how to make a held-out split with its own seed: pass the PCA of the
    training split, e.g. `cs231n.shapes.files.load_pca(data_dir)`.

    Inputs:
    - num_images: Number of images N
    - seed: Seed of the split; the same seed gives identical arrays
    - pca: PCA fitted on the training split
    - timer: Optional PhaseTimer that collects the time of each phase

    Returns a ShapesSplit of N images.
    """
    timer = timer or PhaseTimer()
    parts = _unfeaturised(num_images, seed, timer)
    with timer("featurise"):
        raw = raw_features(parts["images"])
    with timer("pca"):
        features = pca.transform(raw)
    return ShapesSplit(**parts, features=features)


def build_dataset(
    num_train: int = DEFAULT_TRAIN,
    num_val: int = DEFAULT_VAL,
    seed: int = DEFAULT_SEED,
    timer: PhaseTimer | None = None,
) -> tuple[dict[str, ShapesSplit], PCA]:
    """Build the train and val splits, fitting the PCA on train only.

    The two splits use independent random streams spawned from `seed`.

    Inputs:
    - num_train, num_val: Number of images in each split
    - seed: Seed of the dataset
    - timer: Optional PhaseTimer that collects the time of each phase

    Returns a tuple of:
    - splits: {"train": ShapesSplit, "val": ShapesSplit}
    - pca: The PCA fitted on the training features
    """
    timer = timer or PhaseTimer()
    train_seed, val_seed = np.random.SeedSequence(seed).spawn(2)
    parts = _unfeaturised(num_train, train_seed, timer)
    with timer("featurise"):
        raw = raw_features(parts["images"])
    with timer("pca"):
        pca = PCA.fit(raw, FEATURE_DIM, feature_weights())
        train = ShapesSplit(**parts, features=pca.transform(raw))
    val = build_split(num_val, val_seed, pca, timer)
    return {"train": train, "val": val}, pca
