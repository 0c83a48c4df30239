"""lstm_step_backward: the gradients of one LSTM step."""

import numpy as np

from autograder.checks.cases import Cases, Step
from autograder.checks.item import KNOWN, Derivative, Item, Mistake, backward_call
from autograder.checks.items.lstm_step_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs, run_probe

CALL = backward_call(
    FORWARD,
    "lstm_step_backward",
    ["dnext_h", "dnext_c"],
    ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"],
)


def reference_step(m, a: dict) -> dict:
    """The reference step's outputs and the gates and tanh(next_c) of its cache."""
    next_h, next_c, cache = m.layers.lstm_step_forward(
        a["x"], a["prev_h"], a["prev_c"], a["Wx"], a["Wh"], a["b"]
    )
    *_, i, f, o, g, tanh_c = cache
    return {"next_c": next_c, "f": f, "o": o, "tanh_c": tanh_c}


def dnext_c_plus(extra):
    """The reference with extra(step, dnext_h) added to dnext_c."""

    def change(m, a):
        return {**a, "dnext_c": a["dnext_c"] + extra(reference_step(m, a), a["dnext_h"])}

    return on_inputs("backward", CALL, change)


def direct_dprev_c(m, a: dict) -> dict:
    """The reference with dprev_c = dnext_c * f (without the part that flows through next_h)."""
    outputs = run_probe(m, "backward", CALL, a)
    return {**outputs, "dprev_c": a["dnext_c"] * reference_step(m, a)["f"]}


ITEM = Item(
    name="lstm_step_backward",
    function="lstm_step_backward",
    probe="backward",
    options=CALL,
    cases=Cases(
        gates=4,
        shapes=(
            Step(N=3, D=7, H=5),
            Step(N=1, D=4, H=9),
            Step(N=6, D=5, H=3, dtype=np.float32),
            Step(N=4, D=5, H=6, dtype=np.float32, large=True),  # np.exp overflows in float32
        ),
    ),
    judge=judge_outputs,
    shapes={
        "dx": "(N, D)",
        "dprev_h": "(N, H)",
        "dprev_c": "(N, H)",
        "dWx": "(D, 4H)",
        "dWh": "(H, 4H)",
        "db": "(4H,)",
    },
    retries=(("lstm_step_forward",),),
    hint=KNOWN.HINTS["lstm_step_backward"],
    mistakes=(
        Mistake(
            "next_c path missing",
            dnext_c_plus(lambda s, dnext_h: -dnext_h * s["o"] * (1 - s["tanh_c"] ** 2)),
        ),
        Mistake(
            "tanh derivative of next_c",
            dnext_c_plus(
                lambda s, dnext_h: dnext_h * s["o"] * (s["tanh_c"] ** 2 - s["next_c"] ** 2)
            ),
        ),
        Mistake("dprev_c without next_h", direct_dprev_c),
    ),
    derivative=Derivative(
        forward="lstm_step_forward",
        upstream={"dnext_h": "next_h", "dnext_c": "next_c"},
        gradients={
            "dx": "x",
            "dprev_h": "prev_h",
            "dprev_c": "prev_c",
            "dWx": "Wx",
            "dWh": "Wh",
            "db": "b",
        },
    ),
)
