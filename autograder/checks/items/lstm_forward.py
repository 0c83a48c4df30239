"""lstm_forward: an LSTM over T timesteps, looping over lstm_step_forward."""

import numpy as np

from autograder.checks.cases import Cases, Sequence
from autograder.checks.item import KNOWN, Item, Mistake, layer_call
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs

CALL = layer_call(
    "lstm_forward", ["x", "h0", "Wx", "Wh", "b"], ["h", "cache"], spy="lstm_step_forward"
)


def unrolled(c0_is_h0: bool = False, carry_c: bool = True):
    """An LSTM loop whose first cell state is h0 (or zero), carried or restarted each step."""

    def run(m, a):
        h0 = a["h0"]
        first_c = h0 if c0_is_h0 else np.zeros_like(h0)
        h, c, states = h0, first_c, []
        for t in range(a["x"].shape[1]):
            h, c, _ = m.layers.lstm_step_forward(a["x"][:, t], h, c, a["Wx"], a["Wh"], a["b"])
            states.append(h)
            c = c if carry_c else first_c
        return {"h": np.stack(states, axis=1)}

    return run


ITEM = Item(
    name="lstm_forward",
    function="lstm_forward",
    probe="layer",
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
    shapes={"h": "(N, T, H)"},
    retries=(("lstm_step_forward",),),
    hint=KNOWN.HINTS["lstm_forward"],
    mistakes=(
        Mistake("c0 is h0", unrolled(c0_is_h0=True)),
        Mistake("cell not carried", unrolled(carry_c=False)),
        Mistake(
            "h0 unused",
            on_inputs("layer", CALL, lambda m, a: {**a, "h0": np.zeros_like(a["h0"])}),
        ),
    ),
)
