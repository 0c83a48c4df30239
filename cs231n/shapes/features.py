"""A fixed, untrained featuriser for the shapes images.

Per cell of the 3x3 layout grid the raw feature vector holds three blocks:
- conv: max- and mean-pooled ReLU responses of 48 random zero-mean 7x7 filters,
  applied with stride 2 (96 numbers per cell);
- orientation: a histogram of unsigned gradient orientations, magnitude weighted,
  summarised by the magnitudes of its Fourier coefficients (total gradient energy,
  then harmonics 1-8 relative to it), which do not change when the object rotates
  (9 numbers per cell);
- colour: a coarse RGB histogram, 3 levels per channel (27 numbers per cell).
The filters come from a fixed seed, so every split is featurised identically. The
blocks have very different sizes, so each gets a weight (BLOCK_WEIGHTS) that the PCA
applies after standardising; see `cs231n.shapes.pca`.

Every batch is featurised at one BLAS thread, in as many processes as there are cores:
a multithreaded matrix product rounds differently, so the features (and every number
trained on them) would otherwise depend on the machine's number of cores.
"""

import os
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from multiprocessing import get_context

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

from cs231n.shapes.scenes import GRID, IMAGE_SIZE

FEATURE_SEED = 231
NUM_FILTERS = 48
FILTER_SIZE = 7
STRIDE = 2
ORIENTATION_BINS = 36
HARMONICS = 9  # Fourier coefficients 0..8 of the orientation histogram
COLOUR_LEVELS = 3
BATCH_SIZE = 256
MAX_WORKERS = 4
NUM_CELLS = GRID * GRID

# Per-cell size and pre-PCA weight of each block, in the order of the feature vector.
# The weights were chosen with probes of the first object's shape and colour: without
# them the 96 conv numbers per cell swamp the 9 rotation-invariant shape numbers.
BLOCK_SIZES = {"conv": 2 * NUM_FILTERS, "orientation": HARMONICS, "colour": COLOUR_LEVELS**3}
BLOCK_WEIGHTS = {"conv": 1.0, "orientation": 6.0, "colour": 2.0}
FEATURE_DIM = NUM_CELLS * sum(BLOCK_SIZES.values())


def random_filters(num_filters: int = NUM_FILTERS, seed: int = FEATURE_SEED) -> np.ndarray:
    """Random zero-mean, unit-norm 7x7x3 filters.

    Returns a float32 array of shape (7 * 7 * 3, num_filters), rows in (dy, dx, channel)
    order, ready to multiply image patches with.
    """
    w = np.random.default_rng(seed).standard_normal((FILTER_SIZE * FILTER_SIZE * 3, num_filters))
    w -= w.mean(axis=0)
    w /= np.linalg.norm(w, axis=0)
    return w.astype(np.float32)


def _cell_of(coords: np.ndarray) -> np.ndarray:
    """Layout-grid row (or column) of each pixel coordinate along one axis."""
    return np.minimum((coords * GRID / IMAGE_SIZE).astype(np.int64), GRID - 1)


def _pixel_cells() -> np.ndarray:
    """Layout-grid cell (row-major, 0..8) of every pixel, shape (64 * 64,)."""
    side = _cell_of(np.arange(IMAGE_SIZE) + 0.5)
    return (side[:, None] * GRID + side[None, :]).ravel()


def _bands(cells: np.ndarray) -> list[slice]:
    """Slices of consecutive positions that share a grid row (or column)."""
    return [slice(int(np.argmax(cells == c)), int(np.sum(cells <= c))) for c in range(GRID)]


def conv_features(images: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Random convolution responses pooled over the layout grid.

    Inputs:
    - images: uint8 array of shape (B, 64, 64, 3)
    - filters: float32 array of shape (7 * 7 * 3, F) from `random_filters`

    Returns a float32 array of shape (B, 9, 2 * F): per cell (row-major), the max then
    the mean of the rectified responses.
    """
    b, pad = len(images), FILTER_SIZE // 2
    x = np.pad(
        images.astype(np.float32) / 255.0, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge"
    )
    windows = sliding_window_view(x, (FILTER_SIZE, FILTER_SIZE), axis=(1, 2))
    windows = windows[:, ::STRIDE, ::STRIDE]  # (B, S, S, 3, 7, 7)
    side, f = windows.shape[1], filters.shape[1]
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(b * side * side, -1)
    out = np.maximum(patches @ filters, 0.0).reshape(b, side, side * f)
    bands = _bands(_cell_of(np.arange(side) * STRIDE + 0.5))
    # Reduce over the rows of each band first (contiguous), then over its columns.
    row_max = np.stack([out[:, band].max(axis=1) for band in bands], 1).reshape(b, GRID, side, f)
    row_sum = np.stack([out[:, band].sum(axis=1) for band in bands], 1).reshape(b, GRID, side, f)
    cell_max = np.stack([row_max[:, :, band].max(axis=2) for band in bands], 2)
    cell_sum = np.stack([row_sum[:, :, band].sum(axis=2) for band in bands], 2)
    sizes = np.array([band.stop - band.start for band in bands], dtype=np.float32)
    cell_mean = cell_sum / (sizes[:, None, None] * sizes[None, :, None])
    return np.concatenate([cell_max, cell_mean], axis=3).reshape(b, NUM_CELLS, 2 * f)


def _cell_histograms(bins: np.ndarray, weights: np.ndarray, num_bins: int) -> np.ndarray:
    """Per-image, per-layout-cell weighted histograms, computed with one bincount.

    Inputs:
    - bins: int array of shape (B, 64 * 64), histogram bin of every pixel
    - weights: float array of shape (B, 64 * 64)

    Returns a float64 array of shape (B, 9, num_bins).
    """
    b = len(bins)
    flat = (np.arange(b)[:, None] * NUM_CELLS + _pixel_cells()) * num_bins + bins
    counts = np.bincount(flat.ravel(), weights.ravel(), minlength=b * NUM_CELLS * num_bins)
    return counts.reshape(b, NUM_CELLS, num_bins)


def orientation_spectra(images: np.ndarray) -> np.ndarray:
    """Rotation-invariant summaries of per-cell gradient orientation histograms.

    Each pixel takes the gradient (central differences) of its colour channel with the
    largest gradient magnitude, which is split linearly between the two nearest of 36
    bins of unsigned orientation. A rotation of the object shifts the histogram
    circularly, which leaves the magnitudes of its Fourier coefficients unchanged: a
    square shows up in harmonic 2, a triangle in 3, a five-pointed star in 5, a circle
    in none.

    Inputs:
    - images: uint8 array of shape (B, 64, 64, 3)

    Returns a float32 array of shape (B, 9, 9): per cell, the total gradient magnitude
    per pixel, then the magnitudes of harmonics 1-8 divided by the total.
    """
    b = len(images)
    x = images.astype(np.float32) / 255.0
    gx = np.zeros_like(x)
    gy = np.zeros_like(x)
    gx[:, :, 1:-1] = x[:, :, 2:] - x[:, :, :-2]
    gy[:, 1:-1] = x[:, 2:] - x[:, :-2]
    energy = gx * gx + gy * gy
    best = np.argmax(energy, axis=3)[..., None]
    gx = np.take_along_axis(gx, best, axis=3).reshape(b, -1)
    gy = np.take_along_axis(gy, best, axis=3).reshape(b, -1)
    mag = np.sqrt(np.take_along_axis(energy, best, axis=3)).reshape(b, -1)
    angle = np.mod(np.arctan2(gy, gx), np.pi) * (ORIENTATION_BINS / np.pi)
    low = np.floor(angle).astype(np.int64)
    frac = angle - low
    hist = _cell_histograms(low % ORIENTATION_BINS, mag * (1 - frac), ORIENTATION_BINS)
    hist += _cell_histograms((low + 1) % ORIENTATION_BINS, mag * frac, ORIENTATION_BINS)
    spectrum = np.abs(np.fft.rfft(hist, axis=2))[:, :, :HARMONICS]
    total = spectrum[:, :, :1]
    relative = spectrum[:, :, 1:] / np.maximum(total, 1e-3)
    cell_area = IMAGE_SIZE**2 / NUM_CELLS
    return np.concatenate([total / cell_area, relative], axis=2).astype(np.float32)


def colour_histograms(images: np.ndarray) -> np.ndarray:
    """Coarse RGB histograms (3 levels per channel) on the 3x3 layout grid.

    Inputs:
    - images: uint8 array of shape (B, 64, 64, 3)

    Returns a float32 array of shape (B, 9, 27): per cell, the fraction of its pixels
    in each colour bin.
    """
    levels = (images.astype(np.int64) * COLOUR_LEVELS) // 256
    bins = (levels[..., 0] * COLOUR_LEVELS + levels[..., 1]) * COLOUR_LEVELS + levels[..., 2]
    bins = bins.reshape(len(images), -1)
    hist = _cell_histograms(bins, np.ones(bins.shape), COLOUR_LEVELS**3)
    return (hist * (NUM_CELLS / IMAGE_SIZE**2)).astype(np.float32)


def featurise_batch(images: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Raw features of one batch, computed at one BLAS thread.

    Inputs:
    - images: uint8 array of shape (B, 64, 64, 3)
    - filters: float32 array of shape (7 * 7 * 3, F) from `random_filters`

    Returns a float32 array of shape (B, FEATURE_DIM): the conv, orientation and colour
    blocks, each of shape (9, block size) flattened in turn.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        blocks = [
            conv_features(images, filters),
            orientation_spectra(images),
            colour_histograms(images),
        ]
    return np.concatenate([block.reshape(len(images), -1) for block in blocks], axis=1)


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def raw_features(
    images: np.ndarray, batch_size: int = BATCH_SIZE, workers: int | None = None
) -> np.ndarray:
    """Featurise images with the fixed random featuriser, in batches.

    The result does not depend on workers: every batch is computed the same way. The
    worker processes are spawned, so a script that calls this with workers > 1 must do so
    under `if __name__ == "__main__":`.

    Inputs:
    - images: uint8 array of shape (N, 64, 64, 3)
    - batch_size: Images per batch; bounds the memory of the im2col buffer
    - workers: Processes featurising batches side by side (default: the usable cores,
      at most MAX_WORKERS); 1 featurises in this process

    Returns a float32 array of shape (N, FEATURE_DIM) of pre-PCA features.
    """
    filters = random_filters()
    batches = [images[start : start + batch_size] for start in range(0, len(images), batch_size)]
    workers = min(workers or min(usable_cores(), MAX_WORKERS), len(batches))
    if workers <= 1:
        parts = [featurise_batch(batch, filters) for batch in batches]
    else:
        # spawn, not fork: a fork of a process that holds BLAS threads may deadlock.
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(featurise_batch, batches, repeat(filters)))
    return np.concatenate(parts) if parts else np.zeros((0, FEATURE_DIM), dtype=np.float32)


def feature_weights() -> np.ndarray:
    """Pre-PCA weight of every raw feature, a float array of shape (FEATURE_DIM,)."""
    return np.concatenate(
        [np.full(NUM_CELLS * size, BLOCK_WEIGHTS[name]) for name, size in BLOCK_SIZES.items()]
    )
