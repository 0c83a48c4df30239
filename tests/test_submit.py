"""`python -m cs231n.submit` on small fixture kits: what it accepts, warns about and refuses."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.intake.submissions import MODEL_FILES, STUDENT_FILES, read_submission
from autograder.paths import BUILD, REPO
from cs231n import submit
from cs231n.classifiers import rnn

SOLUTION = BUILD / "solution"
ZIPPED = sorted(STUDENT_FILES + MODEL_FILES)


def notebook(executed: bool = True, answer: str = "The gradient vanishes.") -> str:
    """A small valid notebook: a code cell (run or not) and an nbgrader answer cell."""
    code = nbformat.v4.new_code_cell("1 + 1", execution_count=1 if executed else None)
    if executed:
        code.outputs = [
            nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)
        ]
    question = nbformat.v4.new_markdown_cell(
        answer, metadata={"nbgrader": {"grade_id": "inline_question_1", "solution": True}}
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), code, question])
    return nbformat.writes(nb)


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A student's kit with the solved package and two small executed notebooks."""
    if not (SOLUTION / "cs231n").is_dir():
        subprocess.run(
            [sys.executable, "-m", "autograder", "solution", "--out", str(SOLUTION)],
            cwd=REPO,
            check=True,
        )
    root = tmp_path / "kit"
    shutil.copytree(
        SOLUTION / "cs231n", root / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "notebooks").mkdir()
    for relative in submit.NOTEBOOKS:
        (root / relative).write_text(notebook())
    for relative in submit.MODELS:
        np.savez(root / relative, W_embed=np.zeros((3, 2), np.float32))
    return root


def run_submit(root: Path, capsys, *args: str) -> tuple[int, list[str]]:
    """Run the tool on root; return its exit status and printed lines."""
    status = submit.main(["--root", str(root), *args])
    return status, capsys.readouterr().out.splitlines()


def zipped(root: Path) -> list[str]:
    with zipfile.ZipFile(root / "submission.zip") as archive:
        return sorted(archive.namelist())


def test_the_tool_zips_exactly_the_files_the_grader_reads():
    assert sorted(submit.STUDENT_FILES) == sorted(STUDENT_FILES)
    assert sorted(submit.MODELS) == sorted(MODEL_FILES)
    assert submit.ROOT == Path(submit.__file__).resolve().parents[1]


def test_a_good_kit_gives_a_zip_in_the_graders_layout(kit: Path, capsys):
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert not [line for line in lines if line.startswith(("ERROR", "WARNING"))], lines
    assert f"0 error(s), 0 warning(s). Wrote {kit / 'submission.zip'}:" in lines
    assert zipped(kit) == ZIPPED
    submission = read_submission("student", kit / "submission.zip")
    assert submission.problems == []
    assert sorted(submission.files) == ZIPPED


def test_a_missing_notebook_is_an_error_and_no_zip_is_written(kit: Path, capsys):
    (kit / "notebooks" / "LSTM_Captioning.ipynb").unlink()
    status, lines = run_submit(kit, capsys)
    assert status == 1
    assert any(
        line.startswith("ERROR    notebooks/LSTM_Captioning.ipynb is missing") for line in lines
    )
    assert not (kit / "submission.zip").exists()


def test_force_zips_what_there_is_but_still_exits_with_1(kit: Path, capsys):
    (kit / "notebooks" / "LSTM_Captioning.ipynb").unlink()
    status, _ = run_submit(kit, capsys, "--force")
    assert status == 1
    assert len(zipped(kit)) == len(ZIPPED) - 1


def test_a_syntax_error_is_an_error_naming_its_line(kit: Path, capsys):
    module = kit / "cs231n" / "classifiers" / "rnn.py"
    lines_before = len(module.read_text().splitlines())
    with open(module, "a") as handle:
        handle.write("\ndef broken(:\n    pass\n")
    status, lines = run_submit(kit, capsys)
    assert status == 1
    expected = (
        "ERROR    cs231n/classifiers/rnn.py does not import: SyntaxError: invalid syntax "
        f"(cs231n/classifiers/rnn.py, line {lines_before + 2})"
    )
    assert expected in lines
    assert not (kit / "submission.zip").exists()


def test_a_module_that_never_finishes_importing_is_an_error(kit: Path, capsys, monkeypatch):
    monkeypatch.setattr(submit, "IMPORT_TIMEOUT", 1)
    with open(kit / "cs231n" / "rnn_layers.py", "a") as handle:
        handle.write("\nwhile True:\n    pass\n")
    status, lines = run_submit(kit, capsys)
    assert status == 1
    assert "ERROR    cs231n/rnn_layers.py did not finish importing within 1 s" in lines[1]


def test_an_unexecuted_notebook_is_a_warning_and_the_zip_is_written(kit: Path, capsys):
    (kit / "notebooks" / "RNN_Captioning.ipynb").write_text(notebook(executed=False))
    status, lines = run_submit(kit, capsys)
    assert status == 0
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1
    assert warnings[0].startswith("WARNING  notebooks/RNN_Captioning.ipynb was never run")
    assert zipped(kit) == ZIPPED


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"cells": [', "is not valid JSON (line 1, column 12: Expecting value)"),
        ("[1, 2]", "is valid JSON but not a Jupyter notebook"),
    ],
)
def test_a_broken_notebook_is_an_error(kit: Path, capsys, content: str, error: str):
    (kit / "notebooks" / "LSTM_Captioning.ipynb").write_text(content)
    status, lines = run_submit(kit, capsys)
    assert status == 1
    assert any(
        line.startswith(f"ERROR    notebooks/LSTM_Captioning.ipynb {error}") for line in lines
    )
    assert not (kit / "submission.zip").exists()


def test_stubs_and_unanswered_questions_are_warnings(kit: Path, capsys):
    for relative in submit.MODULES:
        shutil.copyfile(REPO / relative, kit / relative)
    (kit / "notebooks" / "LSTM_Captioning.ipynb").write_text(notebook(answer="YOUR ANSWER HERE"))
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert (
        'WARNING  notebooks/LSTM_Captioning.ipynb: inline questions still say "YOUR ANSWER HERE": '
        "inline_question_1"
    ) in lines
    assert (
        "WARNING  still raise NotImplementedError: rnn_step_forward, rnn_forward, "
        "word_embedding_forward, lstm_step_forward, lstm_forward, CaptioningRNN.loss, "
        "CaptioningRNN.sample"
    ) in lines
    assert zipped(kit) == ZIPPED


def test_failing_self_checks_are_a_warning(kit: Path, capsys):
    with open(kit / "cs231n" / "rnn_layers.py", "a") as handle:
        handle.write("\n\ndef word_embedding_forward(x, W):\n    return W[x] * 2, (x, W.shape)\n")
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert (
        "WARNING  public checks that fail: word_embedding_forward, word_embedding_backward, "
        "loss_rnn, loss_lstm, loss_gradients_rnn, loss_gradients_lstm, sample_rnn, "
        "sample_lstm (run `make check` for details)"
    ) in lines


def test_a_missing_trained_captioner_is_a_warning_and_left_out(kit: Path, capsys):
    (kit / "notebooks" / "captioner_lstm.npz").unlink()
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert [line for line in lines if line.startswith("WARNING")] == [
        "WARNING  notebooks/captioner_lstm.npz is missing, so you will not appear on the "
        '(ungraded) leaderboard: run the "Train a good captioner" section of '
        "notebooks/LSTM_Captioning.ipynb, which saves it"
    ]
    assert zipped(kit) == sorted(set(ZIPPED) - {"notebooks/captioner_lstm.npz"})


@pytest.mark.parametrize("content", [b"not a zip", b"\x93NUMPY"])
def test_an_unreadable_trained_captioner_is_a_warning_and_left_out(kit: Path, capsys, content):
    (kit / "notebooks" / "captioner_rnn.npz").write_bytes(content)
    status, lines = run_submit(kit, capsys)
    assert status == 0
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1
    assert warnings[0].startswith("WARNING  notebooks/captioner_rnn.npz is not an .npz file")
    assert "notebooks/captioner_rnn.npz" not in zipped(kit)


def test_an_untrained_captioner_is_a_warning_and_left_out(kit: Path, capsys):
    fresh = rnn.CaptioningRNN({"<NULL>": 0, "<START>": 1, "<END>": 2}, input_dim=4, hidden_dim=3)
    np.savez(kit / "notebooks" / "captioner_lstm.npz", **fresh.params)
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert [line for line in lines if line.startswith("WARNING")] == [
        "WARNING  notebooks/captioner_lstm.npz holds an untrained captioner (its biases are all "
        'exactly zero, as a new CaptioningRNN\'s are): run the "Train a good captioner" section '
        "of notebooks/LSTM_Captioning.ipynb and save it again; it was left out"
    ]
    assert "notebooks/captioner_lstm.npz" not in zipped(kit)


def test_a_trained_captioner_goes_in(kit: Path, capsys):
    trained = rnn.CaptioningRNN({"<NULL>": 0, "<START>": 1, "<END>": 2}, input_dim=4, hidden_dim=3)
    trained.params["b_vocab"] = trained.params["b_vocab"] + 0.01  # one step of training moves it
    np.savez(kit / "notebooks" / "captioner_rnn.npz", **trained.params)
    status, lines = run_submit(kit, capsys)
    assert status == 0
    assert not [line for line in lines if line.startswith("WARNING")], lines
    assert "notebooks/captioner_rnn.npz" in zipped(kit)
