"""The student self-check, `python -m cs231n.selfcheck`, against the solution, the stubs and
deliberately broken copies of the solution."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder.paths import BUILD, REPO
from cs231n import selfcheck
from cs231n.classifiers import rnn

SOLUTION = BUILD / "solution"
FAILED_WITH_ERROR = re.compile(r"FAIL \(error \d\.\de[-+]\d\d > tolerance 1e-\d\d")

# Appended to a copy of the solved rnn_layers.py: three independent mistakes.
BREAKAGES = """

_solved_lstm_step_forward = lstm_step_forward
_solved_lstm_step_backward = lstm_step_backward


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    # Wrong gate order: the blocks of i and f swapped.
    H = prev_h.shape[1]
    order = np.r_[H : 2 * H, 0:H, 2 * H : 4 * H]
    return _solved_lstm_step_forward(x, prev_h, prev_c, Wx[:, order], Wh[:, order], b[order])


def lstm_step_backward(dnext_h, dnext_c, cache):
    grads = _solved_lstm_step_backward(dnext_h, dnext_c, cache)
    dnext_c += 1.0  # changes the caller's array
    return grads


def rnn_forward(x, h0, Wx, Wh, b):
    raise ValueError("no sequence today")
"""


def solved_package() -> Path:
    """The folder holding the solved cs231n/ (the test session builds it; built here if not)."""
    if not (SOLUTION / "cs231n" / "selfcheck.py").is_file():
        subprocess.run(
            [sys.executable, "-m", "autograder", "solution", "--out", str(SOLUTION)],
            cwd=REPO,
            check=True,
        )
    return SOLUTION


def run_selfcheck(folder: Path) -> tuple[int, dict[str, str]]:
    """Run the self-check of folder/cs231n in a new interpreter.

    Returns:
    - The exit status and {check name: status} of the lines it printed
    """
    env = {**os.environ, "PYTHONPATH": str(folder)}
    run = subprocess.run(
        [sys.executable, "-m", "cs231n.selfcheck"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.startswith(f"Checking {folder.resolve() / 'cs231n'}\n"), run.stdout
    statuses = {}
    for line in run.stdout.splitlines()[1:-1]:
        name, status = line.split(maxsplit=1)
        statuses[name] = status
    return run.returncode, statuses


def test_every_check_passes_with_the_solution():
    status, statuses = run_selfcheck(solved_package())
    assert statuses == dict.fromkeys(selfcheck.CHECKS, "PASS")
    assert status == 0


def test_every_check_is_not_implemented_with_the_stubs():
    status, statuses = run_selfcheck(REPO)
    assert list(statuses) == list(selfcheck.CHECKS)
    assert all(line.startswith("NOT IMPLEMENTED") for line in statuses.values()), statuses
    assert statuses["rnn_step_forward"] == "NOT IMPLEMENTED"
    assert statuses["rnn_backward"] == "NOT IMPLEMENTED (in rnn_forward)"
    assert statuses["sample_lstm"] == "NOT IMPLEMENTED (in CaptioningRNN.sample)"
    assert status == 1


def test_broken_functions_fail_and_the_other_checks_still_run(tmp_path: Path):
    shutil.copytree(solved_package() / "cs231n", tmp_path / "cs231n")
    with open(tmp_path / "cs231n" / "rnn_layers.py", "a") as module:
        module.write(BREAKAGES)

    status, statuses = run_selfcheck(tmp_path)

    assert FAILED_WITH_ERROR.match(statuses["lstm_step_forward"]), statuses
    assert statuses["lstm_step_backward"].startswith(
        "FAIL (lstm_step_backward changed its input `dnext_c`"
    )
    assert statuses["rnn_forward"].startswith(
        "ERROR (ValueError: no sequence today at rnn_layers.py:"
    )
    for name in ("rnn_step_forward", "rnn_step_backward", "word_embedding_backward", "sample_rnn"):
        assert statuses[name] == "PASS"
    assert status == 1


def test_only_runs_one_check(capsys):
    assert selfcheck.main(["--only", "lstm_forward"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["lstm_forward  PASS", "1 of 1 checks passed"]


def test_non_greedy_captions_fail(monkeypatch):
    greedy = rnn.CaptioningRNN.sample

    def shifted(model, features, max_length=30):
        """Writes <START> to column 0, then the greedy words one column late."""
        captions = greedy(model, features, max_length)
        return np.concatenate([np.full((len(features), 1), selfcheck.START), captions[:, :-1]], 1)

    monkeypatch.setattr(rnn.CaptioningRNN, "sample", shifted)
    assert selfcheck.outcome("sample_rnn").startswith("FAIL (5 of 5 captions are not greedy")


def test_float_captions_fail(monkeypatch):
    greedy = rnn.CaptioningRNN.sample
    monkeypatch.setattr(rnn.CaptioningRNN, "sample", lambda *a, **k: greedy(*a, **k) * 1.0)
    assert selfcheck.outcome("sample_lstm") == (
        "FAIL (`captions` has dtype float64; expected an integer array)"
    )
