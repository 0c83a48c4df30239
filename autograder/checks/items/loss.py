"""loss_rnn and loss_lstm: CaptioningRNN.loss, the loss and every parameter's gradient.

Both run the same student method with a different cell type, so a mistake of the
model code found in both is charged at loss_rnn only (shares_code_with).
"""

import numpy as np

from autograder.checks.cases import GATES, NULL, Cases, Model
from autograder.checks.item import KNOWN, Item, Mistake
from autograder.checks.judgements import judge_loss
from autograder.checks.mistakes import replacing

EMBEDDING = ("word_embedding_forward", "word_embedding_backward")
LAYERS = {
    cell: (*EMBEDDING, f"{cell}_step_forward", f"{cell}_step_backward", f"{cell}_forward",
           f"{cell}_backward")
    for cell in ("rnn", "lstm")
}  # fmt: skip
SHAPES = (Model(N=5, D=6, W=5, H=7, T=6), Model(N=1, D=3, W=4, H=2, T=1))


def with_softmax(call: dict, loss_of):
    """The reference with temporal_softmax_loss replaced by loss_of(original, captions)."""
    return replacing(
        "loss",
        call,
        "model",
        lambda m, a: {
            "temporal_softmax_loss": loss_of(m.model.temporal_softmax_loss, a["captions"])
        },
    )


def scaled(original, factor):
    def loss(x, y, mask, verbose=False):
        value, dx = original(x, y, mask)
        k = factor(x, mask)
        return value * k, dx * k

    return loss


def tanh_on_h0(m, a: dict) -> dict:
    """The projection of the features followed by a tanh, forward and backward."""
    forward, backward = m.model.affine_forward, m.model.affine_backward

    def squashed_forward(x, w, b):
        out, cache = forward(x, w, b)
        h0 = np.tanh(out)
        return h0, (cache, h0)

    def squashed_backward(dout, cache):
        cache, h0 = cache
        return backward(dout * (1 - h0 * h0), cache)

    return {"affine_forward": squashed_forward, "affine_backward": squashed_backward}


def mistakes(call: dict) -> tuple[Mistake, ...]:
    return (
        Mistake(
            "null targets count",
            with_softmax(
                call, lambda f, c: lambda x, y, mask, verbose=False: f(x, y, np.ones_like(mask))
            ),
        ),
        Mistake(
            "divided by words",
            with_softmax(
                call, lambda f, c: scaled(f, lambda x, mask: x.shape[0] / max(int(mask.sum()), 1))
            ),
        ),
        Mistake(
            "multiplied by N",
            with_softmax(call, lambda f, c: scaled(f, lambda x, mask: x.shape[0])),
        ),
        Mistake(
            "targets not shifted",
            with_softmax(
                call,
                lambda f, c: lambda x, y, mask, verbose=False: f(x, c[:, :-1], c[:, :-1] != NULL),
            ),
        ),
        Mistake(
            "mask from inputs",
            with_softmax(
                call, lambda f, c: lambda x, y, mask, verbose=False: f(x, y, c[:, :-1] != NULL)
            ),
        ),
        Mistake(
            "inputs not shifted",
            replacing(
                "loss",
                call,
                "model",
                lambda m, a: {
                    "word_embedding_forward": (
                        lambda x, W, f=m.model.word_embedding_forward: f(a["captions"][:, 1:], W)
                    )
                },
            ),
        ),
        Mistake("tanh on h0", replacing("loss", call, "model", tanh_on_h0)),
    )


def loss_item(cell_type: str) -> Item:
    call = {"cell_type": cell_type}
    return Item(
        name=f"loss_{cell_type}",
        function="loss",
        probe="loss",
        options=call,
        cases=Cases(gates=GATES[cell_type], shapes=SHAPES),
        judge=judge_loss,
        shapes={"loss": "a scalar"},
        retries=(LAYERS[cell_type],),
        hint=KNOWN.HINTS["loss"],
        mistakes=mistakes(call),
        shares_code_with=None if cell_type == "rnn" else "loss_rnn",
    )


LOSS_RNN = loss_item("rnn")
LOSS_LSTM = loss_item("lstm")
