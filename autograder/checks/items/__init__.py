"""Every autograded item, one file per student function, in the order of points.toml."""

from autograder.checks.item import Item
from autograder.checks.items import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    word_embedding_backward,
    word_embedding_forward,
)
from autograder.checks.items.loss import LOSS_LSTM, LOSS_RNN
from autograder.checks.items.overfit import OVERFIT_LSTM, OVERFIT_RNN
from autograder.checks.items.sample import SAMPLE_LSTM, SAMPLE_RNN
from autograder.points import POINTS

DECLARED = [
    rnn_step_forward.ITEM,
    rnn_step_backward.ITEM,
    rnn_forward.ITEM,
    rnn_backward.ITEM,
    word_embedding_forward.ITEM,
    word_embedding_backward.ITEM,
    lstm_step_forward.ITEM,
    lstm_step_backward.ITEM,
    lstm_forward.ITEM,
    lstm_backward.ITEM,
    LOSS_RNN,
    LOSS_LSTM,
    SAMPLE_RNN,
    SAMPLE_LSTM,
    OVERFIT_RNN,
    OVERFIT_LSTM,
]
_BY_NAME = {item.name: item for item in DECLARED}
if set(_BY_NAME) != set(POINTS):
    raise RuntimeError(f"items and points.toml disagree: {sorted(set(_BY_NAME) ^ set(POINTS))}")
_SEEDS = {item.cases.seed(item.name) for item in DECLARED}
if len(_SEEDS) != len(DECLARED):
    raise RuntimeError("two items draw their hidden cases from the same seed")
ITEMS: dict[str, Item] = {name: _BY_NAME[name] for name in POINTS}
