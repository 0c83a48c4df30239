"""rnn_step_backward: the gradients of one RNN step."""

import numpy as np

from autograder.checks.cases import Cases, Step
from autograder.checks.item import KNOWN, Derivative, Item, Mistake, backward_call
from autograder.checks.items.rnn_step_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs

CALL = backward_call(
    FORWARD, "rnn_step_backward", ["dnext_h"], ["dx", "dprev_h", "dWx", "dWh", "db"]
)


def upstream_scaled(factor):
    """The reference with dnext_h multiplied by factor(next_h)."""

    def change(m, a):
        next_h, _ = m.layers.rnn_step_forward(a["x"], a["prev_h"], a["Wx"], a["Wh"], a["b"])
        return {**a, "dnext_h": a["dnext_h"] * factor(next_h)}

    return on_inputs("backward", CALL, change)


ITEM = Item(
    name="rnn_step_backward",
    function="rnn_step_backward",
    probe="backward",
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
    shapes={"dx": "(N, D)", "dprev_h": "(N, H)", "dWx": "(D, H)", "dWh": "(H, H)", "db": "(H,)"},
    retries=(("rnn_step_forward",),),
    hint=KNOWN.HINTS["rnn_step_backward"],
    mistakes=(
        Mistake("tanh derivative of next_h", upstream_scaled(lambda h: 1 / (1 + h))),
        Mistake("no tanh derivative", upstream_scaled(lambda h: 1 / (1 - h * h))),
    ),
    derivative=Derivative(
        forward="rnn_step_forward",
        upstream={"dnext_h": "next_h"},
        gradients={"dx": "x", "dprev_h": "prev_h", "dWx": "Wx", "dWh": "Wh", "db": "b"},
    ),
)
