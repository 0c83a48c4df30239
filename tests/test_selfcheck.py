"""The student self-check, `python -m cs231n.selfcheck`, against the solution, the stubs and
deliberately broken copies of the solution."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from selfcheck_runs import run_selfcheck

from autograder.checks.items import ITEMS
from autograder.paths import BUILD, REPO
from autograder.points import IN_PLACE_DEDUCTION
from autograder.reference import reference_modules
from autograder.release.fingerprints import item_outputs
from cs231n import code_habits, greedy, known_mistakes, public_cases, selfcheck
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


def broken_copy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """A copy of the solved package whose rnn_layers.py has each (old, new) text replaced."""
    shutil.copytree(solved_package() / "cs231n", tmp_path / "cs231n")
    module = tmp_path / "cs231n" / "rnn_layers.py"
    text = module.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    module.write_text(text)
    return tmp_path


def test_every_check_passes_with_the_solution():
    status, statuses, notes = run_selfcheck(solved_package())
    assert statuses == dict.fromkeys(selfcheck.CHECKS, "PASS")
    assert notes == {}, "the reference keeps float32 inputs float32"
    assert status == 0


def test_every_check_is_not_implemented_with_the_stubs():
    status, statuses, notes = run_selfcheck(REPO)
    assert list(statuses) == list(selfcheck.CHECKS)
    assert all(line.startswith("NOT IMPLEMENTED") for line in statuses.values()), statuses
    assert statuses["rnn_step_forward"] == "NOT IMPLEMENTED"
    assert statuses["rnn_backward"] == "NOT IMPLEMENTED (in rnn_forward)"
    assert statuses["sample_lstm"] == "NOT IMPLEMENTED (in CaptioningRNN.sample)"
    assert notes == {}
    assert status == 1


def test_broken_functions_fail_and_the_other_checks_still_run(tmp_path: Path):
    shutil.copytree(solved_package() / "cs231n", tmp_path / "cs231n")
    with open(tmp_path / "cs231n" / "rnn_layers.py", "a") as module:
        module.write(BREAKAGES)

    status, statuses, _ = run_selfcheck(tmp_path)

    # The grader's words for a classic mistake of the grader's, on the public inputs.
    assert statuses["lstm_step_forward"] == f"FAIL ({known_mistakes.MISTAKES['gate order fiog']})"
    share = IN_PLACE_DEDUCTION["lstm_step_backward"]
    in_place = known_mistakes.in_place("lstm_step_backward", ["dnext_c"], share)
    assert statuses["lstm_step_backward"].startswith(f"FAIL ({in_place})")
    assert "`dc = dnext_c + ...` instead of `dnext_c += ...`" in in_place
    assert statuses["rnn_forward"].startswith(
        "ERROR (ValueError: no sequence today at rnn_layers.py:"
    )
    for name in ("rnn_step_forward", "rnn_step_backward", "word_embedding_backward"):
        assert statuses[name] == "PASS"
    # Sampling is judged with the loss, which needs rnn_forward.
    loss_status = statuses["loss_rnn"]
    assert loss_status.startswith("ERROR (ValueError: no sequence today")
    unjudged = known_mistakes.greediness_unjudged(f"make check's loss_rnn is {loss_status}")
    assert statuses["sample_rnn"] == f"FAIL ({unjudged})"
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
        start = np.full((len(features), 1), public_cases.START)
        return np.concatenate([start, captions[:, :-1]], 1)

    monkeypatch.setattr(rnn.CaptioningRNN, "sample", shifted)
    assert selfcheck.outcome("sample_rnn") == (
        "FAIL (<START> is written to column 0: column 0 holds the first generated word)"
    )


def test_captions_that_follow_no_known_mistake_are_not_greedy(monkeypatch):
    greedy = rnn.CaptioningRNN.sample

    def reversed_words(model, features, max_length=30):
        return greedy(model, features, max_length)[:, ::-1].copy()

    monkeypatch.setattr(rnn.CaptioningRNN, "sample", reversed_words)
    status = selfcheck.outcome("sample_lstm")
    assert status.startswith("FAIL (4 of 5 captions are not greedy: start from <START>")


def test_float_captions_fail(monkeypatch):
    greedy = rnn.CaptioningRNN.sample
    monkeypatch.setattr(rnn.CaptioningRNN, "sample", lambda *a, **k: greedy(*a, **k) * 1.0)
    assert selfcheck.outcome("sample_lstm") == (
        "FAIL (`captions` has dtype float64; expected an integer array)"
    )


# The classic N = 1 bug: right for N > 1, but with one caption the step gets a 1-D x, which
# the forward's cache keeps and the (correct) backward then trips over.
SQUEEZED = (
    "rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)",
    "rnn_step_forward(x[:, t, :].squeeze(), prev_h, Wx, Wh, b)",
)
# The reference rnn_backward reads D from the first cached x; a student's often from Wx.
D_FROM_WX = (
    "np.empty((N, T, x_first.shape[1]), dtype=dh.dtype)\n    dWx, dWh, db = "
    "np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H,",
    "np.empty((N, T, Wx.shape[0]), dtype=dh.dtype)\n    dWx, dWh, db = "
    "np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H,",
)


def test_a_squeezed_step_input_is_charged_to_the_forward_in_plain_words(tmp_path: Path):
    status, statuses, _ = run_selfcheck(broken_copy(tmp_path, SQUEEZED, D_FROM_WX))
    handed = (
        "rnn_forward hands rnn_step_forward `x` of shape (5,); every step needs 2-D arrays with "
        "one row per caption, (N, D), also when N = 1"
    )
    assert statuses["rnn_forward"].startswith(f"FAIL ({handed}"), statuses["rnn_forward"]
    assert "`.squeeze()` drops the axis of size 1" in statuses["rnn_forward"]
    backward = statuses["rnn_backward"]
    assert backward.startswith("ERROR (with N = 1: ValueError: matmul"), backward
    assert "this comes from rnn_forward hands rnn_step_forward `x` of shape (5,)" in backward
    assert statuses["loss_gradients_rnn"].startswith("ERROR (with N = 1: ValueError"), statuses
    for name in ("rnn_step_forward", "rnn_step_backward", "loss_rnn", "lstm_backward"):
        assert statuses[name] == "PASS", name
    assert status == 1


def test_a_sequence_output_squeezed_for_t_1_fails_with_t_1(tmp_path: Path):
    folder = broken_copy(
        tmp_path,
        (
            "    return h, cache\n\n\ndef rnn_backward",
            ("    return (h.squeeze() if T == 1 else h), cache\n\n\ndef rnn_backward"),
        ),
    )
    _, statuses, _ = run_selfcheck(folder)
    assert statuses["rnn_forward"] == (
        "FAIL (with T = 1: `h` has shape (3, 6); expected (3, 1, 6))"
    )


# Each backward changing one of its inputs in place: function -> (replacement, input named).
IN_PLACE = {
    "rnn_step_backward": (
        ("da = dnext_h * (1 - next_h * next_h)", "da = dnext_h.__imul__(1 - next_h**2)"),
        "dnext_h",
    ),
    "rnn_backward": (
        (
            "rnn_step_backward(dh[:, t] + dprev_h, cache[t])",
            "rnn_step_backward(dh[:, t].__iadd__(dprev_h), cache[t])",
        ),
        "dh",
    ),
    "word_embedding_backward": (
        (
            "np.add.at(dW, x.reshape(-1), dout.reshape(-1, W_shape[1]))",
            "np.add.at(dW, x.reshape(-1), dout.reshape(-1, W_shape[1]))\n    x[...] = 0",
        ),
        "cache[0]",
    ),
    "lstm_step_backward": (("dprev_c = dc * f", "dprev_c = dc * f\n    f -= f"), "cache[6]"),
    "lstm_backward": (
        ("dh[:, t] + dprev_h, dprev_c, cache[t]", "dh[:, t].__iadd__(dprev_h), dprev_c, cache[t]"),
        "dh",
    ),
}


def test_every_backward_that_changes_an_input_fails(tmp_path: Path):
    folder = broken_copy(tmp_path, *(replacement for replacement, _ in IN_PLACE.values()))
    _, statuses, _ = run_selfcheck(folder)
    for function, (_, changed) in IN_PLACE.items():
        share = IN_PLACE_DEDUCTION[function]  # the grader's share, in make check's words
        in_place = known_mistakes.in_place(function, [changed], share)
        assert statuses[function].startswith(f"FAIL ({in_place}"), statuses[function]


def test_float64_results_for_float32_inputs_are_a_note_not_a_failure(tmp_path: Path):
    folder = broken_copy(
        tmp_path,
        ("dW = np.zeros(W_shape, dtype=dout.dtype)", "dW = np.zeros(W_shape)"),
        (
            "dprev_h = np.zeros((N, H), dtype=dh.dtype)\n    for t in reversed(range(T)):\n"
            "        dx[:, t], dprev_h, dWx_t",
            "dprev_h = np.zeros((N, H))\n    for t in reversed(range(T)):\n"
            "        dx[:, t], dprev_h, dWx_t",
        ),
    )
    status, statuses, notes = run_selfcheck(folder)
    assert statuses == dict.fromkeys(selfcheck.CHECKS, "PASS")
    assert status == 0
    assert sorted(notes) == [
        "loss_gradients_lstm",
        "loss_gradients_rnn",
        "rnn_backward",
        "word_embedding_backward",
    ]
    assert notes["word_embedding_backward"] == [
        "NOTE (`dW` came back float64 for float32 inputs (no points lost): create new arrays "
        "with the input's dtype, e.g. `np.zeros((N, H), dtype=x.dtype)`; float64 layers make "
        "float32 training about twice as slow)"
    ]
    assert notes["rnn_backward"][0].startswith("NOTE (`dh0` came back float64 for float32 inputs")


def test_wrong_values_that_no_known_mistake_explains_fail_with_the_hint(tmp_path: Path):
    folder = broken_copy(
        tmp_path,
        (
            "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
            "next_h = np.tanh(x @ Wx + prev_h @ Wh + b) * 1.01",
        ),
    )
    _, statuses, _ = run_selfcheck(folder)
    assert FAILED_WITH_ERROR.match(statuses["rnn_step_forward"]), statuses
    assert statuses["rnn_step_forward"].endswith(f": {known_mistakes.HINTS['rnn_step_forward']})")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_public_sampling_case_tells_every_classic_mistake_apart(cell):
    """On the main case of make check's sampling check, right captions follow no classic
    mistake's changed loss call, and the captions of each mistake the grader names (made on
    the reference) follow that mistake's only; those of a mistake the check cannot name
    (greedy.UNNAMED) are not greedy and follow none."""
    inputs = public_cases.CASES[f"sample_{cell}"]()
    reference = reference_modules()
    model = selfcheck.model_of(inputs, cell)
    assert isinstance(model, reference.model.CaptioningRNN)
    features = inputs["features"]

    def followed(captions) -> list[str]:
        return [
            mistake
            for mistake in greedy.MISTAKES
            if greedy.mismatches(model, features, captions, mistake) == 0
        ]

    right = item_outputs(reference, ITEMS[f"sample_{cell}"], inputs)["captions"]
    assert greedy.mismatches(model, features, right) == 0
    assert followed(right) == []
    for mistake in ITEMS[f"sample_{cell}"].mistakes:
        captions = mistake.variant(reference, {k: v.copy() for k, v in inputs.items()})
        expected = [] if mistake.name in greedy.UNNAMED else [mistake.name]
        assert greedy.mismatches(model, features, captions["captions"]) > 0, mistake.name
        assert followed(captions["captions"]) == expected, mistake.name


def test_greediness_is_judged_only_through_the_students_loss(monkeypatch):
    """The check samples nothing itself: with a loss that raises, or that fails its check,
    it cannot judge, and says why; a loss that scores otherwise changes its verdict."""

    def broken(model, features, captions):
        raise NotImplementedError()

    monkeypatch.setattr(rnn.CaptioningRNN, "loss", broken)
    unjudged = known_mistakes.greediness_unjudged("make check's loss_rnn is NOT IMPLEMENTED")
    assert selfcheck.outcome("sample_rnn") == f"FAIL ({unjudged})"
    inputs = public_cases.CASES["sample_rnn"]()
    model = selfcheck.model_of(inputs, "rnn")
    with pytest.raises(greedy.Unjudged, match="loss raises NotImplementedError"):
        greedy.mismatches(model, inputs["features"], np.zeros((5, 7), dtype=int))
    assert rnn.temporal_affine_forward is selfcheck.layers().temporal_affine_forward


def test_greediness_follows_the_scores_of_the_loss(monkeypatch):
    """Captions are greedy for the scores the loss hands temporal_affine_forward's caller:
    shift those scores by one word and the sampler's own captions are no longer greedy."""
    inputs = public_cases.CASES["sample_rnn"]()
    model = selfcheck.model_of(inputs, "rnn")
    features = inputs["features"]
    captions = model.sample(features, max_length=7)
    assert greedy.mismatches(model, features, captions) == 0
    provided = rnn.temporal_affine_forward

    def rolled(x, w, b):
        out, cache = provided(x, w, b)
        return np.roll(out, 1, axis=2), cache

    monkeypatch.setattr(rnn, "temporal_affine_forward", rolled)
    assert greedy.mismatches(model, features, captions) == len(captions)


def test_is_with_a_literal_passes_with_a_note_in_plain_words(tmp_path: Path):
    shutil.copytree(solved_package() / "cs231n", tmp_path / "cs231n")
    model = tmp_path / "cs231n" / "classifiers" / "rnn.py"
    model.write_text(model.read_text().replace('cell_type == "rnn"', 'cell_type is "rnn"'))
    status, statuses, notes = run_selfcheck(tmp_path)
    assert status == 0 and set(statuses.values()) == {"PASS"}
    assert sorted(notes) == ["loss_rnn", "sample_rnn"]
    (loss_note,) = notes["loss_rnn"]
    assert loss_note.startswith("NOTE (`self.cell_type is 'rnn'` (lines ")
    assert (
        "compares with `is` against a literal" in loss_note
        and "compare values with `==`" in loss_note
    )


def test_only_literals_without_a_promised_identity_are_habits():
    text = "def f(x):\n    return x is None or x is True or x is ... or x is not 'a' or 3 is x\n"
    habits = code_habits.identity_comparisons(text, "f.py")
    assert [(h.line, h.function, h.code) for h in habits] == [
        (2, "f", "x is not 'a'"),
        (2, "f", "3 is x"),
    ]
    deep = "y = " + "(" * 180 + "x is 'a'" + ")" * 180 + "\n" + "z = x is 'b'" + " + 1" * 50_000
    assert [h.code for h in code_habits.identity_comparisons(deep, "deep.py")] in ([], ["x is 'a'"])


def test_the_greediness_check_holds_no_sampler():
    """cs231n/greedy.py embeds no word and runs no step: its only model is your loss."""
    text = (REPO / "cs231n" / "greedy.py").read_text()
    assert [name for name in ("W_embed", "Wx", "Wh", "_forward(") if name in text] == []
