"""rnn_forward: a vanilla RNN over T timesteps, looping over rnn_step_forward."""

import numpy as np

from autograder.checks.cases import Cases, Sequence
from autograder.checks.item import KNOWN, Item, Mistake, layer_call
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs

CALL = layer_call(
    "rnn_forward", ["x", "h0", "Wx", "Wh", "b"], ["h", "cache"], spy="rnn_step_forward"
)


def every_step_from_h0(m, a: dict) -> dict:
    steps = [
        m.layers.rnn_step_forward(a["x"][:, t], a["h0"], a["Wx"], a["Wh"], a["b"])[0]
        for t in range(a["x"].shape[1])
    ]
    return {"h": np.stack(steps, axis=1)}


ITEM = Item(
    name="rnn_forward",
    function="rnn_forward",
    probe="layer",
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
    shapes={"h": "(N, T, H)"},
    retries=(("rnn_step_forward",),),
    hint=KNOWN.HINTS["rnn_forward"],
    mistakes=(
        Mistake(
            "h0 unused",
            on_inputs("layer", CALL, lambda m, a: {**a, "h0": np.zeros_like(a["h0"])}),
        ),
        Mistake("every step from h0", every_step_from_h0),
    ),
)
