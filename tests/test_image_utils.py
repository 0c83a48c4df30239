"""Tests for cs231n.image_utils (no network needed)."""

import textwrap
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cs231n.image_utils import (  # noqa: E402
    get_image,
    image_from_url,
    save_figure,
    show_captioned_images,
)

DEAD_URL = "http://127.0.0.1:9/x.jpg"


def _pattern(h=6, w=5):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_image_from_unreachable_url_is_quiet_none(capfd):
    start = time.perf_counter()
    assert image_from_url(DEAD_URL) is None
    assert time.perf_counter() - start < 3.0
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_image_from_url_bad_inputs_give_none(tmp_path, capfd):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"definitely not an image")
    assert image_from_url(junk.as_uri()) is None
    assert image_from_url((tmp_path / "missing.png").as_uri()) is None
    assert image_from_url("not a url at all") is None
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("suffix", ["png", "jpg"])
def test_image_from_file_url_decodes_to_uint8_rgb(tmp_path, suffix):
    image = _pattern()
    path = tmp_path / f"img.{suffix}"
    matplotlib.image.imsave(path, image)
    decoded = image_from_url(path.as_uri())
    assert decoded.dtype == np.uint8
    assert decoded.shape == (6, 5, 3)
    if suffix == "png":  # lossless: exact round trip (PNG is read as floats and converted)
        np.testing.assert_array_equal(decoded, image)


def test_image_from_url_greyscale_png(tmp_path):
    path = tmp_path / "grey.png"
    grey = np.linspace(0, 1, 12).reshape(3, 4)
    matplotlib.image.imsave(path, grey, cmap="gray")
    decoded = image_from_url(path.as_uri())
    assert decoded.shape == (3, 4, 3) and decoded.dtype == np.uint8


def test_get_image_shapes_urls():
    train = np.zeros((3, 64, 64, 3), dtype=np.uint8)
    train[2] = 200
    val = np.ones((2, 64, 64, 3), dtype=np.uint8)
    data = {"train_images": train, "val_images": val}
    image = get_image(data, "shapes://train2014/2")
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert np.all(image == 200)
    assert np.all(get_image(data, "shapes://val2014/1") == 1)
    # A data dict without embedded images (e.g. the real COCO release) gives None.
    assert get_image({}, "shapes://train2014/0") is None
    with pytest.raises(ValueError, match="Malformed"):
        get_image(data, "shapes://test2014/0")


def test_get_image_http_goes_to_image_from_url(capfd):
    assert get_image({"train_images": np.zeros((1, 2, 2, 3), np.uint8)}, DEAD_URL) is None
    assert capfd.readouterr() == ("", "")


def test_show_captioned_images_with_placeholder():
    images = [_pattern(), None, _pattern(8, 8)]
    captions = ["<START> a red circle <END>", "a blue square", "a very long caption " * 5]
    fig = show_captioned_images(images, captions, titles=["one", "two", "three"], ncols=2)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 3
    assert [ax.get_subplotspec().get_geometry()[:2] for ax in axes] == [(2, 2)] * 3
    assert [ax.get_title() for ax in axes] == ["one", "two", "three"]
    # Captions sit under the images as (wrapped) x labels.
    assert axes[0].get_xlabel() == "<START> a red circle <END>"
    assert "\n" in axes[2].get_xlabel()
    assert axes[2].get_xlabel().replace("\n", " ") == textwrap.fill(captions[2], 10**6)
    # Only the missing image gets a placeholder text (and no picture).
    assert [len(ax.texts) for ax in axes] == [0, 1, 0]
    assert axes[1].texts[0].get_text() == "image unavailable"
    assert [len(ax.images) for ax in axes] == [1, 0, 1]
    fig.canvas.draw()  # the whole figure renders with the Agg canvas


def test_show_captioned_images_grid_shape_and_errors():
    fig = show_captioned_images([_pattern()] * 5, ["c"] * 5, figsize=(8, 4))
    assert len(fig.get_axes()) == 5
    assert fig.get_axes()[0].get_subplotspec().get_geometry()[:2] == (2, 4)
    assert tuple(fig.get_size_inches()) == (8, 4)
    assert all(ax.get_title() == "" for ax in fig.get_axes())
    with pytest.raises(ValueError):
        show_captioned_images([_pattern()], ["a", "b"])
    with pytest.raises(ValueError):
        show_captioned_images([], [])


def test_save_figure(tmp_path):
    fig = show_captioned_images([None, _pattern()], ["missing", "present"])
    path = save_figure(fig, tmp_path / "out" / "grid.png")
    assert path == tmp_path / "out" / "grid.png"
    saved = matplotlib.image.imread(path)
    assert saved.ndim == 3 and saved.shape[0] > 50


def test_verdicts_frame_their_own_image_and_rows_never_touch():
    generated = "generated: a large red circle to the left of a small blue star on a grey floor"
    captions = [f"{generated}\ntrue: there is a large red circle and a small blue star"] * 8
    verdicts = [True, False] * 4
    fig = show_captioned_images([_pattern()] * 8, captions, titles=["val"] * 8, verdicts=verdicts)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    axes = fig.get_axes()
    assert [ax.texts[0].get_text() for ax in axes] == ["right", "wrong"] * 4
    green, red = (matplotlib.colors.to_rgba(c) for c in ("tab:green", "tab:red"))
    assert [ax.spines["left"].get_edgecolor() for ax in axes[:2]] == [green, red]
    assert axes[0].get_xlabel().startswith("generated: ") and "\ntrue: " in axes[0].get_xlabel()
    for above, below in zip(axes[:4], axes[4:], strict=True):
        caption = above.xaxis.label.get_window_extent(renderer)
        title = below.title.get_window_extent(renderer)
        assert caption.y0 - title.y1 >= 5, "a caption touches the title of the image below it"
