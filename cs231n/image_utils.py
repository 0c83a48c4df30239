"""Fetching images for captions and drawing them in a captioned grid.

Images come either from the embedded shapes dataset (URLs of the form
shapes://train2014/<i> or shapes://val2014/<i>) or from the web (the COCO URLs,
many of which no longer resolve). Failures to fetch give None, and the grid draws
a placeholder instead, so a notebook never breaks on a dead link.

Figures are built with matplotlib's object API (no pyplot state, no plt.show), so
this works with any backend, including Agg.
"""

import io
import math
import os
import re
import textwrap
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib.image
import numpy as np
from matplotlib.figure import Figure

_SHAPES_URL = re.compile(r"shapes://(train|val)2014/(\d+)")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _to_uint8_rgb(image: np.ndarray) -> np.ndarray:
    """Convert a decoded image (grey, RGB or RGBA; uint8 or floats in [0, 1]) to uint8 RGB."""
    if image.dtype != np.uint8:
        image = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def image_from_url(url: str, timeout: float = 5) -> np.ndarray | None:
    """Download and decode an image.

    Never raises and prints nothing: any network, HTTP or decoding problem gives None.

    Inputs:
    - url: Any URL urllib can open (http, https, file)
    - timeout: Seconds to wait for the server before giving up

    Returns:
    - image: uint8 array (H, W, 3), or None if the image could not be fetched
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with urllib.request.urlopen(url, timeout=timeout) as response:
                payload = response.read()
            # Without a format, matplotlib would assume PNG for an in-memory file;
            # any other format name makes it let Pillow detect the real one.
            image_format = "png" if payload.startswith(_PNG_SIGNATURE) else "jpeg"
            image = matplotlib.image.imread(io.BytesIO(payload), format=image_format)
        return _to_uint8_rgb(image)
    except Exception:  # noqa: BLE001 - by contract, every failure means "no image"
        return None


def get_image(data: dict, url: str) -> np.ndarray | None:
    """Fetch the image behind a dataset URL.

    Inputs:
    - data: Dictionary from load_coco_data
    - url: shapes://train2014/<i> or shapes://val2014/<i> for an image of the
      embedded shapes dataset, or any URL for image_from_url (e.g. a COCO http URL)

    Returns:
    - image: uint8 array (H, W, 3); for a shapes URL this is data['train_images'][i]
      (or val), or None when data holds no images for that split. For other URLs,
      the result of image_from_url (None on failure).

    Raises ValueError for a malformed shapes:// URL.
    """
    if not url.startswith("shapes://"):
        return image_from_url(url)
    match = _SHAPES_URL.fullmatch(url)
    if match is None:
        raise ValueError(
            f"Malformed shapes URL {url!r}; expected shapes://train2014/<i> or shapes://val2014/<i>"
        )
    images = data.get(f"{match.group(1)}_images")
    return None if images is None else images[int(match.group(2))]


VERDICT_COLOURS = {True: "tab:green", False: "tab:red"}


def show_captioned_images(
    images: Sequence[np.ndarray | None],
    captions: Sequence[str],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    figsize: tuple[float, float] | None = None,
    verdicts: Sequence[bool] | None = None,
) -> Figure:
    """Draw images in a grid, each with its caption (wrapped) underneath.

    Every row is tall enough for the longest caption in the grid, so a caption never
    touches the title of the image below it.

    Inputs:
    - images: Sequence of N images, each an array (H, W, 3) or None; a None image
      is drawn as a grey panel reading "image unavailable"
    - captions: Sequence of N caption strings; a newline starts a new line (e.g.
      "generated: ...\ntrue: ...")
    - titles: Optional sequence of N titles drawn above the images
    - ncols: Maximum number of images per row
    - figsize: (width, height) in inches; None picks a size from the grid shape
    - verdicts: Optional sequence of N booleans: each image gets a green frame and the
      word "right" (True) or a red frame and "wrong" (False) in its top-left corner

    Returns:
    - fig: A matplotlib Figure with one Axes per image (the caption is the Axes'
      x label). In a notebook, leave it as the last expression of the cell to
      display it; in a script, pass it to save_figure.
    """
    n = len(images)
    if len(captions) != n or any(
        extra is not None and len(extra) != n for extra in (titles, verdicts)
    ):
        raise ValueError(
            f"Got {n} images but {len(captions)} captions"
            + ("" if titles is None else f", {len(titles)} titles")
            + ("" if verdicts is None else f", {len(verdicts)} verdicts")
        )
    if n == 0:
        raise ValueError("show_captioned_images needs at least one image")

    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    width = figsize[0] if figsize is not None else 3.0 * ncols
    wrap_width = max(10, int(width / ncols * 12))
    wrapped = [
        "\n".join(textwrap.fill(line, wrap_width) for line in caption.split("\n"))
        for caption in captions
    ]
    if figsize is None:
        lines = max(text.count("\n") + 1 for text in wrapped)
        row_height = 2.8 + 0.17 * lines + (0.3 if titles is not None else 0.0)
        figsize = (width, row_height * nrows)
    fig = Figure(figsize=figsize, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.12)

    for i, (image, caption) in enumerate(zip(images, wrapped, strict=True)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        if image is None:
            ax.set_facecolor("0.85")
            ax.set_box_aspect(1)
            ax.text(
                0.5,
                0.5,
                "image unavailable",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.3",
            )
        else:
            ax.imshow(image)
        ax.set_xlabel(caption, fontsize=9, loc="left")
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
        if verdicts is not None:
            colour = VERDICT_COLOURS[bool(verdicts[i])]
            for spine in ax.spines.values():
                spine.set_edgecolor(colour)
                spine.set_linewidth(3)
            ax.text(
                0.03,
                0.97,
                "right" if verdicts[i] else "wrong",
                transform=ax.transAxes,
                ha="left",
                va="top",
                fontsize=9,
                color="white",
                fontweight="bold",
                bbox={"facecolor": colour, "edgecolor": "none", "pad": 2},
            )
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Save a figure to an image file, creating parent directories as needed.

    Inputs:
    - fig: matplotlib Figure, e.g. from show_captioned_images
    - path: Output file; the extension picks the format (.png, .pdf, .svg, ...)
    - dpi: Resolution in dots per inch for raster formats

    Returns:
    - The path written, as a Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
