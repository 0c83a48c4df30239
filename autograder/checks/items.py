"""The autograded items: their points, their prerequisites and how they are judged."""

from autograder.checks import compare, overfit
from autograder.points import ITEMS

_RNN_MODEL = [
    "word_embedding_forward",
    "word_embedding_backward",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]
_LSTM_MODEL = [
    "word_embedding_forward",
    "word_embedding_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
]

# Reference functions swapped into the student's modules for the second attempt at
# an item, so that a wrong prerequisite is not paid for twice.
PREREQUISITES: dict[str, list[str]] = {
    "rnn_forward": ["rnn_step_forward"],
    "rnn_backward": ["rnn_step_forward", "rnn_step_backward"],
    "lstm_forward": ["lstm_step_forward"],
    "lstm_backward": ["lstm_step_forward", "lstm_step_backward"],
    "loss_rnn": _RNN_MODEL,
    "loss_lstm": _LSTM_MODEL,
    "sample_rnn": _RNN_MODEL,
    "sample_lstm": _LSTM_MODEL,
    "overfit_rnn": _RNN_MODEL,
    "overfit_lstm": _LSTM_MODEL,
}

# Wall-clock seconds one item may take in the sandbox (the reference needs under 1 s;
# the margin covers a loaded machine). A student function that hangs costs this much
# for every item that calls it.
SECONDS = {item: 40.0 if item.startswith("overfit") else 10.0 for item in ITEMS}


def judge(item: str):
    """The function that scores one case of an item: (result, expected) -> (score, message)."""
    if item.startswith("loss_"):
        return compare.judge_loss
    if item.startswith("sample_"):
        return compare.judge_sample
    if item.startswith("overfit_"):
        return overfit.judge_overfit
    return compare.judge_arrays
