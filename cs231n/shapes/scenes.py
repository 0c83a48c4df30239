"""Sample and render the scenes of the shapes captioning dataset.

A scene is 1-3 coloured shapes on a grey background with a smooth gradient. The 64x64
image is split into a 3x3 layout grid; each object sits in its own cell, jittered
inside it and slightly rotated. Objects are listed in column-major order of their
cell (left to right, then top to bottom), which is the order every caption uses.

A scene is stored as an int array of shape (3, 5) whose rows are the objects, with
columns (shape, colour, size, grid_row, grid_col) indexing the name lists below, and
rows of -1 for absent objects; the background tone is a separate int.

Rendering is pure NumPy: each object is drawn from its exact signed distance
function d (in pixels, negative inside), with coverage clip(0.5 - d, 0, 1) giving
anti-aliased edges without supersampling.
"""

from dataclasses import dataclass

import numpy as np

IMAGE_SIZE = 64
GRID = 3
MAX_OBJECTS = 3
SCENE_COLUMNS = ("shape", "colour", "size", "grid_row", "grid_col")

SHAPES = ("circle", "square", "triangle", "star")
COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")
SIZES = ("small", "large")
BACKGROUNDS = ("dark", "grey", "light")

# Channel values avoid 70-100 and 155-190 so that colours and backgrounds fall in
# distinct bins of a 3-level-per-channel colour histogram.
COLOUR_RGB = np.array(
    [
        [220, 45, 45],
        [40, 195, 70],
        [45, 105, 230],
        [240, 210, 40],
        [150, 60, 200],
        [245, 140, 35],
    ],
    dtype=np.float32,
)
BACKGROUND_GREY = np.array([40.0, 120.0, 205.0], dtype=np.float32)
GRADIENT_AMPLITUDE = 14.0  # grey levels from the centre to the middle of an edge

CIRCUMRADIUS = np.array([6.0, 9.5])  # pixels, indexed by size
MAX_ROTATION = np.deg2rad(15.0)
CELL = IMAGE_SIZE / GRID
EDGE_MARGIN = 0.6  # pixels kept free between an object and its cell border

# Regular star polygons: (number of points, inner radius / outer radius, angle of a tip).
# A regular n-gon is the star whose inner vertices lie on its edge midpoints.
_POLYGONS = {
    1: (4, np.cos(np.pi / 4), np.pi / 4),
    2: (3, np.cos(np.pi / 3), -np.pi / 2),
    3: (5, 0.45, -np.pi / 2),
}
_CIRCLE_RADIUS = 0.85  # fraction of the circumradius, to even out the visual sizes


@dataclass
class SceneBatch:
    """Everything needed to render a batch of scenes.

    - scenes: int32 array of shape (N, 3, 5), see the module docstring
    - backgrounds: int32 array of shape (N,), indices into BACKGROUNDS
    - centres: float array of shape (N, 3, 2), (x, y) object centres in pixels
    - rotations: float array of shape (N, 3), object rotations in radians
    - gradients: float array of shape (N,), direction of the background gradient
    """

    scenes: np.ndarray
    backgrounds: np.ndarray
    centres: np.ndarray
    rotations: np.ndarray
    gradients: np.ndarray


def column_major_key(grid_row: np.ndarray, grid_col: np.ndarray) -> np.ndarray:
    """Sort key of grid cells in listing order: left to right, then top to bottom."""
    return grid_col * GRID + grid_row


def sample_scenes(num_images: int, rng: np.random.Generator) -> SceneBatch:
    """Sample random scenes.

    Inputs:
    - num_images: Number of scenes N
    - rng: Random generator; the same generator state gives the same scenes

    Returns a SceneBatch with N scenes of 1-3 objects each.
    """
    n, k = num_images, MAX_OBJECTS
    counts = rng.integers(1, k + 1, size=n)
    cells = np.argsort(rng.random((n, GRID * GRID)), axis=1)[:, :k]
    attributes = np.stack(
        [
            rng.integers(0, len(SHAPES), size=(n, k)),
            rng.integers(0, len(COLOURS), size=(n, k)),
            rng.integers(0, len(SIZES), size=(n, k)),
        ],
        axis=2,
    )
    jitter = rng.uniform(-1.0, 1.0, size=(n, k, 2))
    rotations = rng.uniform(-MAX_ROTATION, MAX_ROTATION, size=(n, k))
    backgrounds = rng.integers(0, len(BACKGROUNDS), size=n)
    gradients = rng.uniform(0.0, 2 * np.pi, size=n)

    present = np.arange(k)[None, :] < counts[:, None]
    rows, cols = cells // GRID, cells % GRID
    key = np.where(present, column_major_key(rows, cols), GRID * GRID)
    order = np.argsort(key, axis=1)
    rows = np.take_along_axis(rows, order, axis=1)
    cols = np.take_along_axis(cols, order, axis=1)

    scenes = np.concatenate([attributes, rows[..., None], cols[..., None]], axis=2)
    scenes[~present] = -1
    max_jitter = CELL / 2 - CIRCUMRADIUS[attributes[..., 2]] - EDGE_MARGIN
    centres = (np.stack([cols, rows], axis=2) + 0.5) * CELL + jitter * max_jitter[..., None]
    return SceneBatch(
        scenes=scenes.astype(np.int32),
        backgrounds=backgrounds.astype(np.int32),
        centres=centres,
        rotations=rotations,
        gradients=gradients,
    )


def shape_sdf(shape: int, x: np.ndarray, y: np.ndarray, radius: float) -> np.ndarray:
    """Signed distance (negative inside) from points to an upright shape at the origin.

    Inputs:
    - shape: Index into SHAPES
    - x, y: Point coordinates in pixels, arrays of the same shape (y points down)
    - radius: Circumradius of the shape in pixels

    Returns an array of distances in pixels, of the same shape as x.
    """
    rho = np.hypot(x, y)
    if shape == 0:
        return rho - _CIRCLE_RADIUS * radius
    points, inner, tip = _POLYGONS[shape]
    # Fold the point into the half sector [0, pi / points] next to a tip, where the
    # boundary is the single segment from the tip a to the inner vertex b.
    half = np.pi / points
    theta = np.abs(np.mod(np.arctan2(y, x) - tip + half, 2 * half) - half)
    qx, qy = rho * np.cos(theta), rho * np.sin(theta)
    ax, bx, by = radius, inner * radius * np.cos(half), inner * radius * np.sin(half)
    ex, ey = bx - ax, by
    t = np.clip(((qx - ax) * ex + qy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
    dist = np.hypot(qx - ax - t * ex, qy - t * ey)
    inside = ex * qy - ey * (qx - ax) > 0
    return np.where(inside, -dist, dist)


def _background(tone: int, direction: float) -> np.ndarray:
    """Grey background of shape (64, 64) with a linear gradient along `direction`."""
    coords = (np.arange(IMAGE_SIZE) + 0.5 - IMAGE_SIZE / 2) / (IMAGE_SIZE / 2)
    ramp = np.cos(direction) * coords[None, :] + np.sin(direction) * coords[:, None]
    return BACKGROUND_GREY[tone] + GRADIENT_AMPLITUDE * ramp.astype(np.float32)


def _span(centre: float, radius: float) -> tuple[int, int]:
    """Pixel range [start, stop) that holds an object's edge, clipped to the image."""
    start = int(np.floor(centre - radius - 2))
    return max(start, 0), min(int(np.ceil(centre + radius + 2)), IMAGE_SIZE)


def render_scene(batch: SceneBatch, i: int) -> np.ndarray:
    """Render scene i of a batch as a uint8 image of shape (64, 64, 3)."""
    image = np.repeat(_background(batch.backgrounds[i], batch.gradients[i])[..., None], 3, 2)
    for obj in range(MAX_OBJECTS):
        shape, colour, size = batch.scenes[i, obj, :3]
        if shape < 0:
            break
        radius = CIRCUMRADIUS[size]
        cx, cy = batch.centres[i, obj]
        x0, x1 = _span(cx, radius)
        y0, y1 = _span(cy, radius)
        x = np.arange(x0, x1) + 0.5 - cx
        y = np.arange(y0, y1)[:, None] + 0.5 - cy
        cos, sin = np.cos(batch.rotations[i, obj]), np.sin(batch.rotations[i, obj])
        dist = shape_sdf(shape, cos * x + sin * y, cos * y - sin * x, radius)
        alpha = np.clip(0.5 - dist, 0.0, 1.0)[..., None].astype(np.float32)
        patch = image[y0:y1, x0:x1]
        patch += alpha * (COLOUR_RGB[colour] - patch)
    return np.round(image).astype(np.uint8)


def render_scenes(batch: SceneBatch) -> np.ndarray:
    """Render every scene of a batch.

    Inputs:
    - batch: SceneBatch of N scenes

    Returns a uint8 array of images, of shape (N, 64, 64, 3).
    """
    images = np.empty((len(batch.scenes), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for i in range(len(images)):
        images[i] = render_scene(batch, i)
    return images
