"""rnn_backward: the gradients of a vanilla RNN over T timesteps."""

import numpy as np

from autograder.checks.cases import Cases, Sequence
from autograder.checks.item import KNOWN, Derivative, Item, Mistake, backward_call
from autograder.checks.items.rnn_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import replacing, walked_forwards, without_carry
from autograder.checks.probes import REPAIRED

CALL = backward_call(FORWARD, "rnn_backward", ["dh"], ["dx", "dh0", "dWx", "dWh", "db"])
STEPS = ("rnn_step_forward", "rnn_step_backward")

ITEM = Item(
    name="rnn_backward",
    function="rnn_backward",
    probe="backward",
    options=CALL,
    cases=Cases(
        gates=1,
        shapes=(
            Sequence(N=2, T=5, D=3, H=4),
            Sequence(N=3, T=1, D=4, H=6),
            Sequence(N=1, T=7, D=2, H=5, dtype=np.float32),
        ),
    ),
    judge=judge_outputs,
    shapes={"dx": "(N, T, D)", "dh0": "(N, H)", "dWx": "(D, H)", "dWh": "(H, H)", "db": "(H,)"},
    retries=((REPAIRED + "rnn_forward",), STEPS, (*STEPS, "rnn_forward")),
    hint=KNOWN.HINTS["rnn_backward"],
    mistakes=(
        Mistake(
            "carry not added",
            replacing(
                "backward",
                CALL,
                "layers",
                lambda m, a: {"rnn_step_backward": without_carry(m.layers.rnn_step_backward, 0, 1)},
            ),
        ),
        Mistake("walked forwards", walked_forwards("rnn")),
    ),
    derivative=Derivative(
        forward="rnn_forward",
        upstream={"dh": "h"},
        gradients={"dx": "x", "dh0": "h0", "dWx": "Wx", "dWh": "Wh", "db": "b"},
    ),
)
