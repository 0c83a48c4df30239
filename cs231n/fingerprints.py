"""Fingerprints of arrays: a few numbers that tell two arrays apart without storing them.

`make check` names a classic mistake when the arrays a check gets from your code have the
fingerprints of that mistake's arrays on the same public inputs (cs231n/known_mistakes.json
holds them, written by the course's release from the mistakes the grader names).

A fingerprint is an array's shape, its largest magnitude and its dot products with three
fixed patterns of its shape; two arrays whose fingerprints agree to within a relative
1e-6 of their largest magnitude are equal for any purpose of these checks.
"""

import numpy as np

PATTERNS = 3
TOLERANCE = 1e-6
# Significant digits kept of every number: other BLAS kernels change the last bits, which
# at 8 digits almost never shows in the file a release writes; TOLERANCE is far above both.
DIGITS = 8


def patterns(shape: tuple[int, ...]) -> np.ndarray:
    """PATTERNS fixed arrays of the given shape, of values in [-1, 1], stacked."""
    index = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.float64)
    return np.stack([np.cos(1.0 + (k + 1) * 0.7548776662 * index) for k in range(PATTERNS)])


def rounded(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def fingerprint(array: np.ndarray) -> dict:
    """The fingerprint of an array: {"shape", "scale", "dots"} (JSON data).

    Inputs:
    - array: A numeric array of any shape

    Returns:
    - Its shape, its largest magnitude and its dot products with patterns(shape)
    """
    values = np.asarray(array, dtype=np.float64).reshape(-1)
    return {
        "shape": list(np.shape(array)),
        "scale": rounded(float(np.max(np.abs(values), initial=0.0))),
        "dots": [rounded(float(dot)) for dot in patterns(np.shape(array)) @ values],
    }


def matches(array, known: dict) -> bool:
    """Whether array has the given fingerprint (within TOLERANCE of its scale).

    Inputs:
    - array: What a function returned (anything: only a numeric array can match)
    - known: A fingerprint, as fingerprint() returns it

    Returns:
    - True if the array's shape is the fingerprint's and its dot products agree
    """
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        return False
    if list(array.shape) != known["shape"]:
        return False
    values = array.astype(np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        return False
    size = max(values.size, 1)
    allowed = TOLERANCE * max(known["scale"], 1e-12) * size + 1e-12
    dots = patterns(array.shape) @ values
    return bool(np.all(np.abs(dots - np.array(known["dots"])) <= allowed))
