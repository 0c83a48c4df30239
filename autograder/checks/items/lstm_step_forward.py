"""lstm_step_forward: one LSTM step, gate blocks in the order i, f, o, g."""

from itertools import permutations

import numpy as np

from autograder.checks.cases import Cases, Step
from autograder.checks.item import KNOWN, Item, Mistake, layer_call
from autograder.checks.judgements import judge_outputs
from autograder.checks.mistakes import on_inputs

CALL = layer_call(
    "lstm_step_forward",
    ["x", "prev_h", "prev_c", "Wx", "Wh", "b"],
    ["next_h", "next_c", "cache"],
)
ORDER = KNOWN.GATES


def read_in_order(order: str):
    """The reference on weights rearranged so that it reads the gate blocks as `order` does."""

    def change(m, a):
        H = a["prev_h"].shape[1]
        blocks = [order.index(gate) for gate in ORDER]
        index = np.concatenate([np.arange(k * H, (k + 1) * H) for k in blocks])
        return {**a, "Wx": a["Wx"][:, index], "Wh": a["Wh"][:, index], "b": a["b"][index]}

    return on_inputs("layer", CALL, change)


def gate_order(order: str) -> Mistake:
    return Mistake(KNOWN.gate_order(order), read_in_order(order))


def step(g_of, h_of):
    """An LSTM step with g = g_of(m, its pre-activation), next_h = h_of(i, f, o, next_c)."""

    def run(m, a):
        H = a["prev_h"].shape[1]
        z = a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]
        i, f, o = (m.layers.sigmoid(z[:, k * H : (k + 1) * H]) for k in range(3))
        next_c = f * a["prev_c"] + i * g_of(m, z[:, 3 * H :])
        return {"next_h": h_of(i, f, o, next_c), "next_c": next_c}

    return run


def tanh(m, z):
    return np.tanh(z)


ITEM = Item(
    name="lstm_step_forward",
    function="lstm_step_forward",
    probe="layer",
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
    shapes={"next_h": "(N, H)", "next_c": "(N, H)"},
    hint=KNOWN.HINTS["lstm_step_forward"],
    mistakes=(
        *(gate_order("".join(order)) for order in permutations(ORDER) if order != tuple(ORDER)),
        Mistake(
            "sigmoid on g",
            step(lambda m, z: m.layers.sigmoid(z), lambda i, f, o, c: o * np.tanh(c)),
        ),
        Mistake("next_h without tanh", step(tanh, lambda i, f, o, c: o * c)),
        Mistake("next_h times f", step(tanh, lambda i, f, o, c: f * np.tanh(c))),
        Mistake("next_h times i", step(tanh, lambda i, f, o, c: i * np.tanh(c))),
    ),
)
