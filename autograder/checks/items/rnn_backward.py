"""rnn_backward: the gradients of a vanilla RNN over T timesteps."""

from autograder.checks.cases import sequence_cases
from autograder.checks.item import Derivative, Item, Mistake, backward_call
from autograder.checks.items.rnn_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import replacing, walked_forwards, without_carry

CALL = backward_call(FORWARD, "rnn_backward", ["dh"], ["dx", "dh0", "dWx", "dWh", "db"])
STEPS = ("rnn_step_forward", "rnn_step_backward")

ITEM = Item(
    name="rnn_backward",
    function="rnn_backward",
    probe="backward",
    options=CALL,
    cases=lambda data: sequence_cases("rnn_backward", gates=1),
    judge=judge_outputs,
    shapes={"dx": "(N, T, D)", "dh0": "(N, H)", "dWx": "(D, H)", "dWh": "(H, H)", "db": "(H,)"},
    retries=(STEPS, (*STEPS, "rnn_forward")),
    hint="walk the timesteps in reverse and add the gradient carried back from step t+1 to "
    "dh[:, t]",
    mistakes=(
        Mistake(
            "the gradient carried back from step t+1 is not added: each step's upstream "
            "gradient is dh[:, t] + dprev_h",
            replacing(
                "backward",
                CALL,
                "layers",
                lambda m, a: {"rnn_step_backward": without_carry(m.layers.rnn_step_backward, 0, 1)},
            ),
        ),
        Mistake(
            "the timesteps are walked forwards: backpropagate from t = T-1 down to 0",
            walked_forwards("rnn"),
        ),
    ),
    derivative=Derivative(
        forward="rnn_forward",
        upstream={"dh": "h"},
        gradients={"dx": "x", "dh0": "h0", "dWx": "Wx", "dWh": "Wh", "db": "b"},
    ),
)
