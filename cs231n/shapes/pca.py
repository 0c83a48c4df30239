"""PCA that turns raw shapes features into 512-d features, fitted on the train split.

The transform standardises every raw feature, multiplies it by a fixed weight (see
`cs231n.shapes.features.BLOCK_WEIGHTS`), projects onto the top principal directions of
the training features and rescales so that the outputs have mean variance 1 on the
training split. Its matrix products run at one BLAS thread, so that the features do not
depend on the machine's number of cores.
"""

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits


def _principal_directions(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Variances along, and unit principal directions of, centred data x of shape (N, D).

    Uses the eigendecomposition of the D x D covariance, or the SVD of x when N < D
    (then only N directions exist). Returns variances (R,) and directions (D, R).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        if len(x) < x.shape[1]:
            _, singular, vt = np.linalg.svd(x, full_matrices=False)
            return singular**2 / len(x), vt.T
        return np.linalg.eigh(x.T @ x / len(x))


@dataclass
class PCA:
    """Standardise, weight and project.

    - mean, std: float64 arrays of shape (D,), per-feature standardisation
    - weights: float64 array of shape (D,), per-feature weight after standardising
    - components: float64 array of shape (D, K), principal directions as columns
    - scale: Output scale; the K outputs have mean variance 1 on the fitting data
    """

    mean: np.ndarray
    std: np.ndarray
    weights: np.ndarray
    components: np.ndarray
    scale: float

    @classmethod
    def fit(cls, features: np.ndarray, dim: int, weights: np.ndarray) -> "PCA":
        """Fit on training features.

        Inputs:
        - features: Array of shape (N, D)
        - dim: Number K <= D of principal directions to keep; if N < K, the last
          K - N outputs are zero
        - weights: Array of shape (D,), per-feature weight after standardising

        Returns the fitted PCA.
        """
        mean = features.mean(axis=0, dtype=np.float64)
        std = np.maximum(features.std(axis=0, dtype=np.float64), 1e-6)
        x = (features - mean) / std * weights
        variances, directions = _principal_directions(x)
        top = np.argsort(variances)[::-1][:dim]
        components = np.zeros((x.shape[1], dim))
        components[:, : len(top)] = directions[:, top]
        # Make the largest loading of each direction positive, so the signs are canonical.
        pivot = np.argmax(np.abs(components), axis=0)
        components *= np.sign(components[pivot, np.arange(dim)])
        scale = 1.0 / np.sqrt(max(np.sum(variances[top]) / dim, 1e-12))
        return cls(
            mean=mean,
            std=std,
            weights=np.asarray(weights, dtype=np.float64),
            components=components,
            scale=float(scale),
        )

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Project features of shape (N, D) to float32 features of shape (N, K)."""
        x = (features - self.mean) / self.std * self.weights
        with threadpool_limits(limits=1, user_api="blas"):
            return (self.scale * (x @ self.components)).astype(np.float32)
