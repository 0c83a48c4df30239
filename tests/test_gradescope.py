"""The Gradescope bundle runs the hidden checks and always leaves a valid results.json."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.examples import example_files
from autograder.gradescope import build_bundle
from autograder.paths import DATA_DIR
from autograder.points import ITEMS, POINTS


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """A fake Gradescope root with the bundle unpacked in source/."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = build_bundle(root / "bundle.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        assert "autograder/checks/hidden.py" in names and "cs231n/rnn_layers.py" in names
        archive.extractall(root / "source")
    return root


def run_autograder(root: Path, files: dict[str, str | bytes], python: str = sys.executable) -> dict:
    submission = root / "submission"
    if submission.exists():
        subprocess.run(["rm", "-rf", str(submission)], check=True)
    for relative, content in files.items():
        (submission / relative).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (submission / relative).write_bytes(content)
        else:
            (submission / relative).write_text(content)
    env = dict(
        os.environ, GRADESCOPE_ROOT=str(root), KIT_PYTHON=python, CS231N_DATA_DIR=str(DATA_DIR)
    )
    env.pop("PYTHONPATH", None)
    subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, check=True, timeout=600
    )
    return json.loads((root / "results" / "results.json").read_text())


def test_reference_submission_gets_every_point(kit):
    results = run_autograder(kit, example_files()["reference"])
    assert [test["name"] for test in results["tests"]] == list(ITEMS)
    for test in results["tests"]:
        assert test["score"] == test["max_score"] == POINTS[test["name"]]
        assert test["visibility"] == "after_published"
    assert results["execution_time"] > 0
    assert results["output"].startswith("Submission received")
    # Gradescope's leaderboard: a list of {name, value, order} entries.
    board = results["leaderboard"]
    assert [entry["name"] for entry in board] == ["RNN BLEU-4", "LSTM BLEU-4"]
    assert all(0.2 < entry["value"] <= 1 and entry["order"] == "desc" for entry in board)
    assert "Leaderboard (ungraded), RNN captioner: BLEU-4" in results["output"]


def test_broken_submission_still_gets_a_valid_file(kit):
    files = example_files()["partial"]
    files["cs231n/classifiers/rnn.py"] = "def broken(:\n"
    del files["notebooks/LSTM_Captioning.ipynb"]
    results = run_autograder(kit, files)
    scores = {test["name"]: test["score"] for test in results["tests"]}
    assert scores["loss_rnn"] == 0 and scores["rnn_step_forward"] == POINTS["rnn_step_forward"]
    assert "notebooks/LSTM_Captioning.ipynb is missing" in results["output"]
    loss_output = next(t["output"] for t in results["tests"] if t["name"] == "loss_rnn")
    assert "could not be imported: SyntaxError" in loss_output
    # The trained RNN cannot be sampled without an importable model: no score, and why.
    assert [entry["value"] for entry in results["leaderboard"]] == [0.0, 0.0]
    assert "RNN captioner: no score: CaptioningRNN.sample raised ImportError" in results["output"]
    assert "LSTM captioner: no notebooks/captioner_lstm.npz" in results["output"]


def test_a_failing_grader_leaves_a_valid_file(kit):
    results = run_autograder(kit, {}, python="/bin/false")
    assert results["score"] == 0 and results["tests"] == []
    assert "autograder failed" in results["output"]
