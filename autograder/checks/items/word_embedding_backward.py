"""word_embedding_backward: the gradient of the word vectors."""

import numpy as np

from autograder.checks.cases import embedding_cases
from autograder.checks.item import KNOWN, Derivative, Item, Mistake, backward_call
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
    hint=KNOWN.HINTS["word_embedding_backward"],
    mistakes=(Mistake("repeated words overwritten", overwritten_rows),),
    derivative=Derivative(
        forward="word_embedding_forward", upstream={"dout": "out"}, gradients={"dW": "W"}
    ),
)
