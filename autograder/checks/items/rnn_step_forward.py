"""rnn_step_forward: one step of a vanilla RNN, next_h = tanh(x Wx + prev_h Wh + b)."""

import numpy as np

from autograder.checks.cases import Cases, Step
from autograder.checks.item import KNOWN, Item, Mistake, layer_call
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs

CALL = layer_call("rnn_step_forward", ["x", "prev_h", "Wx", "Wh", "b"], ["next_h", "cache"])


def pre_activation(a: dict) -> np.ndarray:
    return a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]


ITEM = Item(
    name="rnn_step_forward",
    function="rnn_step_forward",
    probe="layer",
    options=CALL,
    cases=Cases(
        gates=1,
        shapes=(
            Step(N=3, D=7, H=5),
            Step(N=1, D=4, H=9),
            Step(N=6, D=5, H=3, dtype=np.float32),
            Step(N=4, D=5, H=6, dtype=np.float32, large=True),  # np.exp overflows in float32
        ),
    ),
    judge=judge_outputs,
    shapes={"next_h": "(N, H)"},
    hint=KNOWN.HINTS["rnn_step_forward"],
    mistakes=(
        Mistake(
            "bias missing",
            on_inputs("layer", CALL, lambda m, a: {**a, "b": np.zeros_like(a["b"])}),
        ),
        Mistake("tanh missing", lambda m, a: {"next_h": pre_activation(a)}),
        Mistake(
            "sigmoid for tanh",
            lambda m, a: {"next_h": m.layers.sigmoid(pre_activation(a))},
        ),
    ),
)
