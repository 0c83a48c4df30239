"""Tests for cs231n.coco_utils on tiny fixtures in the real COCO release layout."""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from cs231n import coco_utils
from cs231n.coco_utils import (
    decode_captions,
    default_data_dir,
    load_coco_data,
    sample_coco_minibatch,
    strip_special_tokens,
)

VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "circle", "blue", "square", "on"]
W = {word: i for i, word in enumerate(VOCAB)}
N_TRAIN_IMAGES, N_VAL_IMAGES = 3, 2


def _caption(*words, length=17):
    row = [W["<START>"], *(W[w] for w in words), W["<END>"]]
    return row + [W["<NULL>"]] * (length - len(row))


TRAIN_CAPTIONS = np.array(
    [
        _caption("a", "red", "circle"),
        _caption("a", "blue", "square"),
        _caption("a", "red", "circle", "on", "a", "blue", "square"),
        _caption("blue", "square"),
        _caption("a", "<UNK>", "circle"),
        _caption("red", "circle"),
    ],
    dtype=np.int32,
)
TRAIN_IMAGE_IDXS = np.array([0, 1, 2, 1, 0, 2], dtype=np.int32)
VAL_CAPTIONS = np.array(
    [_caption("a", "circle"), _caption("a", "square"), _caption("square")], dtype=np.int32
)
VAL_IMAGE_IDXS = np.array([0, 1, 1], dtype=np.int32)


def _write_h5(path: Path, **datasets):
    with h5py.File(path, "w") as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=value)


@pytest.fixture
def coco_dir(tmp_path):
    """A miniature copy of coco_captioning.zip: same file names, datasets and dtypes."""
    base = tmp_path / "coco_captioning"
    base.mkdir()
    _write_h5(
        base / "coco2014_captions.h5",
        train_captions=TRAIN_CAPTIONS,
        train_image_idxs=TRAIN_IMAGE_IDXS,
        val_captions=VAL_CAPTIONS,
        val_image_idxs=VAL_IMAGE_IDXS,
    )
    (base / "coco2014_vocab.json").write_text(
        json.dumps({"idx_to_word": VOCAB, "word_to_idx": W}), encoding="utf-8"
    )
    rng = np.random.default_rng(0)
    for split, n in (("train", N_TRAIN_IMAGES), ("val", N_VAL_IMAGES)):
        pca = rng.standard_normal((n, 512)).astype(np.float32)
        pca[:, 0] = np.arange(n)  # makes each image's features recognisable
        _write_h5(base / f"{split}2014_vgg16_fc7_pca.h5", features=pca)
        raw = rng.standard_normal((n, 4096)).astype(np.float32)
        _write_h5(base / f"{split}2014_vgg16_fc7.h5", features=raw)
        urls = "".join(f"http://farm{i}.staticflickr.com/{split}_{i}.jpg\n" for i in range(n))
        (base / f"{split}2014_urls.txt").write_text(urls, encoding="utf-8")
    return base


@pytest.fixture
def shapes_dir(coco_dir):
    """The coco fixture plus what the embedded shapes set adds: images files and vocab keys."""
    vocab = json.loads((coco_dir / "coco2014_vocab.json").read_text(encoding="utf-8"))
    vocab["colors"] = ["red", "blue"]
    (coco_dir / "coco2014_vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    for split, n in (("train", N_TRAIN_IMAGES), ("val", N_VAL_IMAGES)):
        images = np.zeros((n, 64, 64, 3), dtype=np.uint8)
        images[:, 0, 0, 0] = np.arange(n) + 10
        with h5py.File(coco_dir / f"{split}2014_images.h5", "w") as f:
            f.create_dataset("images", data=images)
            scenes = np.full((n, 3, 5), -1, dtype=np.int32)
            scenes[:, 0] = np.arange(n)[:, None]
            f.create_dataset("scenes", data=scenes)
            f.create_dataset("backgrounds", data=np.arange(n, dtype=np.int32))
    return coco_dir


CORE_KEYS = {
    "train_captions",
    "train_image_idxs",
    "val_captions",
    "val_image_idxs",
    "train_features",
    "val_features",
    "idx_to_word",
    "word_to_idx",
    "train_urls",
    "val_urls",
}


def test_load_real_layout(coco_dir):
    data = load_coco_data(base_dir=coco_dir)
    assert set(data) == CORE_KEYS
    np.testing.assert_array_equal(data["train_captions"], TRAIN_CAPTIONS)
    np.testing.assert_array_equal(data["val_image_idxs"], VAL_IMAGE_IDXS)
    assert data["train_captions"].dtype == np.int32 and data["train_captions"].shape == (6, 17)
    assert data["train_image_idxs"].dtype == np.int32
    assert data["val_captions"].shape == (3, 17)
    assert data["train_features"].dtype == np.float32
    assert data["train_features"].shape == (N_TRAIN_IMAGES, 512)
    assert data["val_features"].shape == (N_VAL_IMAGES, 512)
    assert data["idx_to_word"] == VOCAB
    assert data["word_to_idx"]["circle"] == 6
    assert data["train_urls"].dtype.kind == "U"
    assert data["train_urls"].tolist() == [
        f"http://farm{i}.staticflickr.com/train_{i}.jpg" for i in range(N_TRAIN_IMAGES)
    ]
    assert data["val_urls"].shape == (N_VAL_IMAGES,)


def test_load_raw_features(coco_dir):
    data = load_coco_data(base_dir=str(coco_dir), pca_features=False)
    assert data["train_features"].shape == (N_TRAIN_IMAGES, 4096)
    assert data["val_features"].shape == (N_VAL_IMAGES, 4096)
    assert data["val_features"].dtype == np.float32


def test_load_shapes_extras(shapes_dir):
    data = load_coco_data(base_dir=shapes_dir)
    assert set(data) == CORE_KEYS | {
        "colors",
        "train_images",
        "val_images",
        "train_scenes",
        "val_scenes",
        "train_backgrounds",
        "val_backgrounds",
    }
    assert data["colors"] == ["red", "blue"]
    assert data["train_images"].dtype == np.uint8
    assert data["train_images"].shape == (N_TRAIN_IMAGES, 64, 64, 3)
    assert data["val_images"].shape == (N_VAL_IMAGES, 64, 64, 3)
    assert data["val_images"][1, 0, 0, 0] == 11
    assert data["train_scenes"].dtype == np.int32
    assert data["train_scenes"].shape == (N_TRAIN_IMAGES, 3, 5)
    np.testing.assert_array_equal(data["train_scenes"][:, 0, 0], [0, 1, 2])
    np.testing.assert_array_equal(data["val_backgrounds"], [0, 1])


def test_max_train_with_seed(coco_dir):
    data = load_coco_data(base_dir=coco_dir, max_train=20, seed=3)
    again = load_coco_data(base_dir=coco_dir, max_train=20, seed=3)
    assert data["train_captions"].shape == (20, 17)
    assert data["train_image_idxs"].shape == (20,)
    np.testing.assert_array_equal(data["train_captions"], again["train_captions"])

    def rows(captions, image_idxs):
        return {(tuple(c), int(i)) for c, i in zip(captions.tolist(), image_idxs, strict=True)}

    # 20 draws from 6 rows: necessarily with replacement. Every drawn row keeps its image.
    assert rows(data["train_captions"], data["train_image_idxs"]) <= rows(
        TRAIN_CAPTIONS, TRAIN_IMAGE_IDXS
    )
    # Features, validation data and URLs are not subsampled.
    assert data["train_features"].shape == (N_TRAIN_IMAGES, 512)
    assert data["val_captions"].shape == (3, 17)

    small = load_coco_data(base_dir=coco_dir, max_train=4, seed=3)
    assert small["train_captions"].shape == (4, 17)


def test_missing_dir_message(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_coco_data(base_dir=tmp_path / "nope")
    message = str(info.value)
    assert "nope" in message
    assert "make data" in message and "data/get_coco.sh" in message and "base_dir" in message


def test_missing_file_message(coco_dir):
    (coco_dir / "val2014_urls.txt").unlink()
    with pytest.raises(FileNotFoundError, match="val2014_urls.txt.*make data"):
        load_coco_data(base_dir=coco_dir)


def test_missing_raw_features_message(coco_dir):
    (coco_dir / "train2014_vgg16_fc7.h5").unlink()
    load_coco_data(base_dir=coco_dir)  # PCA files are still there
    with pytest.raises(FileNotFoundError, match="train2014_vgg16_fc7.h5"):
        load_coco_data(base_dir=coco_dir, pca_features=False)


def test_default_dir_and_env_override(coco_dir, monkeypatch):
    monkeypatch.delenv("CS231N_DATA_DIR", raising=False)
    repo = Path(coco_utils.__file__).resolve().parents[1]
    assert default_data_dir() == repo / "data" / "shapes_captioning"
    assert coco_utils.DEFAULT_DATA_DIR == repo / "data" / "shapes_captioning"

    monkeypatch.setenv("CS231N_DATA_DIR", str(coco_dir))
    assert default_data_dir() == coco_dir
    data = load_coco_data()
    assert data["train_captions"].shape == (6, 17)


def _traceable_data():
    """Caption row j is filled with j; its image is j % 3; image i has features [i, i]."""
    return {
        "train_captions": np.repeat(np.arange(30, dtype=np.int32)[:, None], 17, axis=1),
        "train_image_idxs": np.arange(30, dtype=np.int32) % 3,
        "train_features": np.repeat(np.arange(3, dtype=np.float32)[:, None], 2, axis=1),
        "train_urls": np.array(["u0", "u1", "u2"]),
        "val_captions": np.zeros((4, 17), dtype=np.int32),
        "val_image_idxs": np.array([1, 1, 1, 1], dtype=np.int32),
        "val_features": np.full((2, 2), 7.0, dtype=np.float32),
        "val_urls": np.array(["v0", "v1"]),
    }


def test_sample_minibatch_consistent():
    data = _traceable_data()
    captions, features, urls = sample_coco_minibatch(data, batch_size=8)
    assert captions.shape == (8, 17) and features.shape == (8, 2) and urls.shape == (8,)
    image_of_row = captions[:, 0] % 3
    np.testing.assert_array_equal(features[:, 0], image_of_row)
    assert urls.tolist() == [f"u{i}" for i in image_of_row]

    captions, features, urls = sample_coco_minibatch(data, batch_size=3, split="val")
    assert captions.shape == (3, 17)
    np.testing.assert_array_equal(features, np.full((3, 2), 7.0))
    assert urls.tolist() == ["v1"] * 3


def test_sample_minibatch_rng():
    data = _traceable_data()
    a = sample_coco_minibatch(data, 10, rng=np.random.default_rng(5))[0]
    b = sample_coco_minibatch(data, 10, rng=np.random.default_rng(5))[0]
    c = sample_coco_minibatch(data, 10, rng=np.random.RandomState(5))[0]
    np.testing.assert_array_equal(a, b)
    assert c.shape == (10, 17)

    np.random.seed(11)
    d = sample_coco_minibatch(data, 10)[0]
    np.random.seed(11)
    np.testing.assert_array_equal(sample_coco_minibatch(data, 10)[0], d)


def test_decode_captions_exact_strings():
    decoded = decode_captions(TRAIN_CAPTIONS[:3], VOCAB)
    assert decoded == [
        "<START> a red circle <END>",
        "<START> a blue square <END>",
        "<START> a red circle on a blue square <END>",
    ]
    # 1-D input gives one string; decoding stops after the first <END>.
    row = np.array(
        [W["<START>"], W["blue"], W["<NULL>"], W["square"], W["<END>"], W["red"], W["<END>"]]
    )
    assert decode_captions(row, VOCAB) == "<START> blue square <END>"
    # Without <START> or <END> (e.g. sampled captions), every non-NULL word is kept.
    sampled = np.array([[W["a"], W["circle"], W["<NULL>"], W["<NULL>"]]])
    assert decode_captions(sampled, VOCAB) == ["a circle"]
    # idx_to_word may be a dict keyed by int.
    assert decode_captions(row[:3], dict(enumerate(VOCAB))) == "<START> blue"


def test_strip_special_tokens():
    assert strip_special_tokens("<START> a red circle <END> <NULL> <NULL>") == "a red circle"
    assert strip_special_tokens("a  <UNK> square") == "a <UNK> square"
    assert strip_special_tokens("<START> blue <END> junk after end") == "blue"
    assert strip_special_tokens("") == ""
