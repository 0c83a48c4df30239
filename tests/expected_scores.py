"""What the example submissions (autograder/examples.py) score, from points.toml: no test
writes a number of points, so changing points.toml changes no test.

- partial: LSTM layers are stubs; the model items keep their points with the reference
  LSTM layers swapped in.
- buggy: gate order i, f, g, o costs lstm_step_forward only (its backward is the exact
  derivative of that forward; the loops and the LSTM model items are right with
  reference steps); the loss averaged over words is one mistake of the shared model
  code, charged at loss_rnn; sampling and overfitting do not depend on the loss scale.
"""

from autograder.points import ITEMS, POINTS

LSTM_LAYERS = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]
# The items each example loses.
EXPECTED_LOST = {
    "reference": [],
    "stubs": list(ITEMS),
    "partial": LSTM_LAYERS,
    "buggy": ["lstm_step_forward", "loss_rnn"],
}


def expected_row(example: str) -> dict[str, float]:
    """The score of every autograded item of an example."""
    return {item: 0.0 if item in EXPECTED_LOST[example] else POINTS[item] for item in ITEMS}


def expected_total(example: str) -> float:
    """The autograded total of an example."""
    return sum(expected_row(example).values())
