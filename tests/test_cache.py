"""build/cache/: what the kit computes from the reference once per version, read back after."""

import pytest

from autograder import cache as kit_cache
from autograder import examples
from autograder.cache import cached


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(kit_cache, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(kit_cache, "checks_key", lambda: "version1")
    return tmp_path / "cache"


def test_a_value_is_computed_once_per_version_and_a_stale_file_replaced(cache, monkeypatch):
    calls = []

    def compute():
        calls.append(len(calls))
        return {"calls": len(calls)}

    assert cached("thing", compute) == {"calls": 1}
    assert cached("thing", compute) == {"calls": 1}
    assert sorted(path.name for path in cache.iterdir()) == ["thing-version1.pickle"]

    monkeypatch.setattr(kit_cache, "checks_key", lambda: "version2")
    assert cached("thing", compute) == {"calls": 2}
    assert cached("other", compute) == {"calls": 3}  # a name of its own
    assert sorted(path.name for path in cache.iterdir()) == [
        "other-version2.pickle",
        "thing-version2.pickle",
    ]


def test_an_unreadable_file_is_computed_again(cache):
    cache.mkdir()
    (cache / "thing-version1.pickle").write_bytes(b"not a pickle")
    assert cached("thing", lambda: 7) == 7
    assert cached("thing", lambda: 8) == 7


def test_the_example_captioners_are_read_back_without_training(cache, monkeypatch):
    monkeypatch.setattr(examples, "train_models", lambda: {"notebooks/captioner_rnn.npz": b"PK"})
    assert examples.trained_models.__wrapped__() == {"notebooks/captioner_rnn.npz": b"PK"}

    def train_again():
        raise AssertionError("trained again")

    monkeypatch.setattr(examples, "train_models", train_again)
    assert examples.trained_models.__wrapped__() == {"notebooks/captioner_rnn.npz": b"PK"}
