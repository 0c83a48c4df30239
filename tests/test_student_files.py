"""The student-facing files: generated, fresh, stubbed, and free of answers."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.cases import HIDDEN_SEED
from autograder.paths import NOTEBOOKS, REPO, SOURCE
from autograder.release.leaks import MARKERS, find_leaks, secret_lines, student_facing_files
from autograder.release.release import check_release
from autograder.release.stubs import make_stub, strip_markers

MODEL = "cs231n/classifiers/rnn.py"
START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"


def load_student_module(relative: str, name: str):
    """Import a student file under its own name, next to the solved package."""
    spec = importlib.util.spec_from_file_location(name, REPO / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_student_files_are_fresh():
    assert check_release() == [], "run `make release` and commit the result"


def test_student_files_hold_no_answer_or_hidden_test():
    files = student_facing_files()
    assert REPO / "cs231n" / "rnn_layers.py" in files
    assert any(path.suffix == ".ipynb" for path in files)
    assert find_leaks(files) == []


def test_leak_check_catches_a_leaked_answer(tmp_path: Path):
    answer = sorted(secret_lines())[0]
    leaky = tmp_path / "rnn_layers.py"
    leaky.write_text(f"def f():\n    {answer}\n")
    marked = tmp_path / "marked.py"
    marked.write_text("### BEGIN SOLUTION\n")
    assert find_leaks([leaky, marked]) == [f"{leaky}: {answer}", f"{marked}: ### BEGIN SOLUTION"]


def test_every_todo_region_is_a_stub():
    regions = 0
    for relative in ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"):
        lines = [line.strip() for line in (REPO / relative).read_text().splitlines()]
        starts = [i for i, line in enumerate(lines) if line == START]
        ends = [i for i, line in enumerate(lines) if line == END]
        assert len(starts) == len(ends)
        for start, end in zip(starts, ends, strict=True):
            assert lines[start + 1 : end] == ["# YOUR CODE HERE", "raise NotImplementedError()"]
        regions += len(starts)
    assert regions == 12


def test_stub_and_solution_of_a_module():
    source = "def f():\n    x = None\n    ### BEGIN SOLUTION\n    x = 42\n    ### END SOLUTION\n"
    assert make_stub(source) == (
        "def f():\n    x = None\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    assert strip_markers(source) == "def f():\n    x = None\n    x = 42\n"


def test_instructor_sources_keep_the_marker_lines():
    text = (SOURCE / "cs231n" / "rnn_layers.py").read_text()
    assert text.count(START) == text.count(END) == 10


LAYER_CALLS = {
    "rnn_step_forward": lambda r: (r(2, 3), r(2, 4), r(3, 4), r(4, 4), r(4)),
    "rnn_step_backward": lambda r: (r(2, 4), None),
    "rnn_forward": lambda r: (r(2, 5, 3), r(2, 4), r(3, 4), r(4, 4), r(4)),
    "rnn_backward": lambda r: (r(2, 5, 4), None),
    "word_embedding_forward": lambda r: (np.array([[0, 1]]), r(3, 2)),
    "word_embedding_backward": lambda r: (r(1, 2, 2), None),
    "lstm_step_forward": lambda r: (r(2, 3), r(2, 4), r(2, 4), r(3, 16), r(4, 16), r(16)),
    "lstm_step_backward": lambda r: (r(2, 4), r(2, 4), None),
    "lstm_forward": lambda r: (r(2, 5, 3), r(2, 4), r(3, 16), r(4, 16), r(16)),
    "lstm_backward": lambda r: (r(2, 5, 4), None),
}


@pytest.mark.parametrize("name", sorted(LAYER_CALLS))
def test_layer_stub_raises_not_implemented(name):
    module = load_student_module("cs231n/rnn_layers.py", "student_rnn_layers")
    rng = np.random.default_rng(0)
    args = LAYER_CALLS[name](lambda *shape: rng.standard_normal(shape))
    with pytest.raises(NotImplementedError):
        getattr(module, name)(*args)


@pytest.mark.parametrize("method", ["loss", "sample"])
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_model_stub_raises_not_implemented(method, cell_type):
    module = load_student_module("cs231n/classifiers/rnn.py", "student_rnn")
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3}
    model = module.CaptioningRNN(word_to_idx, input_dim=5, hidden_dim=4, cell_type=cell_type)
    features = np.zeros((2, 5), dtype=np.float32)
    with pytest.raises(NotImplementedError):
        if method == "loss":
            model.loss(features, np.array([[1, 3, 2], [1, 3, 0]]))
        else:
            model.sample(features)


# The provided files that the grader and `make check` share: the words of every mistake,
# the public checks' inputs, and the fingerprints of the mistakes on them.
SHARED = (
    "cs231n/known_mistakes.py",
    "cs231n/known_mistakes.json",
    "cs231n/public_cases.py",
    "cs231n/fingerprints.py",
    "cs231n/greedy.py",
    "cs231n/code_habits.py",
    "cs231n/notebook_checks.py",
    "cs231n/selfcheck.py",
)


def test_the_shared_words_and_numbers_hold_no_answer_or_hidden_value():
    """Not a line of an answer, even inside a longer line, unless the released stubs or
    notebooks say it already (a docstring's formula); no seed of a hidden case or of the
    held-out split; and the fingerprints are those of public inputs (the file is fresh)."""
    public = "\n".join(
        [(REPO / relative).read_text() for relative in ("cs231n/rnn_layers.py", MODEL)]
        + [(REPO / "notebooks" / name).read_text() for name in NOTEBOOKS]
    )
    answers = [line for line in secret_lines() if len(line) >= 12]
    for relative in SHARED:
        text = (REPO / relative).read_text()
        told = [line for line in answers if line in text and line not in public]
        assert told == [], relative
        assert not [marker for marker in MARKERS if marker in text], relative
    assert find_leaks([REPO / relative for relative in SHARED]) == []
    assert "cs231n/known_mistakes.json" not in check_release()


def test_the_leak_check_knows_the_seeds_of_the_hidden_cases(tmp_path: Path):
    leaky = tmp_path / "selfcheck.py"
    leaky.write_text(f"SEED = {HIDDEN_SEED}\n")
    assert find_leaks([leaky]) == [f"{leaky}: SEED = {HIDDEN_SEED}"]
