"""The hidden cases leave room for rounding, so that correct code never loses a caption to it.

A caption item compares whole captions, and one flipped word changes every word after it.
Correct code rounds differently from the reference (its own loops, float64 arrays, another
machine's BLAS kernels), so every word the reference chooses greedily must win by a margin
far above rounding: in the sampling cases (random weights) and in the overfit items (the
reference's weights after training on a few captions, judged by the captions they sample).
"""

import numpy as np
import pytest

from autograder.checks.cases import END, START
from autograder.checks.hidden_cache import hidden_checks
from autograder.reference import reference_modules

# Float32 rounding moves a score by about 1e-6 here; the smallest margins found were 0.068
# (sampling, random float64 weights; 0.0019 before the draws of 2026-12-07) and 1.8 (the
# overfit LSTM, on any of four BLAS kernels).
SAMPLE_MARGIN = 0.05
OVERFIT_MARGIN = 1.0


@pytest.fixture(scope="module")
def checks():
    return hidden_checks([])


def step_function(cell_type: str):
    """The reference step: (x, h, c, Wx, Wh, b) -> (h, c); c unused for the RNN."""
    layers = reference_modules().layers
    if cell_type == "lstm":
        return lambda x, h, c, Wx, Wh, b: layers.lstm_step_forward(x, h, c, Wx, Wh, b)[:2]
    return lambda x, h, c, Wx, Wh, b: (layers.rnn_step_forward(x, h, Wx, Wh, b)[0], c)


def greedy_margins(p: dict, features: np.ndarray, steps: int, cell_type: str, fed=None):
    """Per caption and step: the best word's score minus the next-best, and the best word.

    Inputs:
    - p: The model's parameters, named param_<name>
    - features: Image features of shape (N, D)
    - steps: How many words to generate
    - fed: Words fed at each step, of shape (N, steps) (teacher forcing); None feeds back
      the best word of the step before, as greedy sampling does

    Returns a tuple of arrays of shape (N, steps): margins, and the words chosen.
    """
    step = step_function(cell_type)
    h = features @ p["param_W_proj"] + p["param_b_proj"]
    c = np.zeros_like(h)
    word = np.full(len(features), START)
    margins, words = [], []
    for t in range(steps):
        word = word if fed is None else fed[:, t]
        h, c = step(p["param_W_embed"][word], h, c, p["param_Wx"], p["param_Wh"], p["param_b"])
        scores = h @ p["param_W_vocab"] + p["param_b_vocab"]
        top_two = np.sort(scores, axis=1)[:, -2:]
        margins.append(top_two[:, 1] - top_two[:, 0])
        word = np.argmax(scores, axis=1)
        words.append(word)
    return np.stack(margins, 1), np.stack(words, 1)


def until_end(values: np.ndarray, words: np.ndarray) -> np.ndarray:
    """The values of every step up to and including each caption's first <END>."""
    ended = np.cumsum(words == END, axis=1) - (words == END)
    return values[ended == 0]


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_no_greedy_choice_of_a_sampling_case_is_a_near_tie(checks, cell_type):
    item = f"sample_{cell_type}"
    for case, expected in zip(checks.cases[item], checks.expected[item], strict=True):
        inputs = case.inputs
        margins, words = greedy_margins(
            inputs, inputs["features"], int(inputs["max_length"]), cell_type
        )
        assert np.array_equal(words, expected["captions"])  # the decoding the grader expects
        assert until_end(margins, words).min() > SAMPLE_MARGIN


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_the_overfit_reference_wins_every_word_by_far(checks, cell_type):
    item = f"overfit_{cell_type}"
    (case,), (trained,) = checks.cases[item], checks.expected[item]
    captions = case.inputs["captions"]
    fed, wanted = captions[:, :-1], captions[:, 1:]
    margins, words = greedy_margins(
        trained, case.inputs["features"], wanted.shape[1], cell_type, fed=fed
    )
    meaningful = wanted != 0  # up to <END>; the <NULL> padding is not judged
    assert np.array_equal(words[meaningful], wanted[meaningful])
    assert margins[meaningful].min() > OVERFIT_MARGIN
