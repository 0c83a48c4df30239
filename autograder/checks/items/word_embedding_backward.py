"""word_embedding_backward: the gradient of the word vectors."""

import numpy as np

from autograder.checks.cases import embedding_cases
from autograder.checks.item import Derivative, Item, Mistake, backward_call
from autograder.checks.items.word_embedding_forward import CALL as FORWARD
from autograder.checks.judgements import judge_outputs

CALL = backward_call(FORWARD, "word_embedding_backward", ["dout"], ["dW"])


def overwritten_rows(m, a: dict) -> dict:
    """`dW[x] += dout`: a word that appears several times keeps one of its gradients."""
    dW = np.zeros_like(a["W"])
    dW[a["x"]] += a["dout"]
    return {"dW": dW}


ITEM = Item(
    name="word_embedding_backward",
    function="word_embedding_backward",
    probe="backward",
    options=CALL,
    cases=lambda data: embedding_cases("word_embedding_backward"),
    judge=judge_outputs,
    shapes={"dW": "(V, D)"},
    retries=(("word_embedding_forward",),),
    hint="a word that appears several times must receive the sum of all its gradients (np.add.at)",
    mistakes=(
        Mistake(
            "`dW[x] += dout` keeps only one gradient of a word that appears several times: "
            "use np.add.at(dW, x, dout), which adds them all",
            overwritten_rows,
        ),
    ),
    derivative=Derivative(
        forward="word_embedding_forward", upstream={"dout": "out"}, gradients={"dW": "W"}
    ),
)
