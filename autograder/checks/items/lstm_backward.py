"""lstm_backward: the gradients of an LSTM over T timesteps."""

import numpy as np

from autograder.checks.cases import Cases, Sequence
from autograder.checks.item import KNOWN, Derivative, Item, Mistake, backward_call
from autograder.checks.items.lstm_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import replacing, walked_forwards, without_carry
from autograder.checks.probes import REPAIRED

CALL = backward_call(FORWARD, "lstm_backward", ["dh"], ["dx", "dh0", "dWx", "dWh", "db"])
STEPS = ("lstm_step_forward", "lstm_step_backward")


def forgets_carry(upstream: int, output: int):
    return replacing(
        "backward",
        CALL,
        "layers",
        lambda m, a: {
            "lstm_step_backward": without_carry(m.layers.lstm_step_backward, upstream, output)
        },
    )


ITEM = Item(
    name="lstm_backward",
    function="lstm_backward",
    probe="backward",
    options=CALL,
    cases=Cases(
        gates=4,
        shapes=(
            Sequence(N=2, T=5, D=3, H=4),
            Sequence(N=3, T=1, D=4, H=6),
            Sequence(N=1, T=7, D=2, H=5, dtype=np.float32),
        ),
    ),
    judge=judge_outputs,
    shapes={
        "dx": "(N, T, D)",
        "dh0": "(N, H)",
        "dWx": "(D, 4H)",
        "dWh": "(H, 4H)",
        "db": "(4H,)",
    },
    retries=((REPAIRED + "lstm_forward",), STEPS, (*STEPS, "lstm_forward")),
    hint=KNOWN.HINTS["lstm_backward"],
    mistakes=(
        Mistake("hidden carry dropped", forgets_carry(upstream=0, output=1)),
        Mistake("cell carry dropped", forgets_carry(upstream=1, output=2)),
        Mistake("walked forwards", walked_forwards("lstm")),
    ),
    derivative=Derivative(
        forward="lstm_forward",
        upstream={"dh": "h"},
        gradients={"dx": "x", "dh0": "h0", "dWx": "Wx", "dWh": "Wh", "db": "b"},
    ),
)
