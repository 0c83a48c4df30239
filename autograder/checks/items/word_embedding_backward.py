"""word_embedding_backward: the gradient of the word vectors."""

import numpy as np

from autograder.checks.cases import Cases, Embedding
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
    cases=Cases(
        shapes=(
            Embedding(N=3, T=6, V=5, D=4),
            Embedding(N=1, T=1, V=7, D=3, dtype=np.float32),
        ),
    ),
    judge=judge_outputs,
    shapes={"dW": "(V, D)"},
    retries=(("word_embedding_forward",),),
    hint=KNOWN.HINTS["word_embedding_backward"],
    mistakes=(Mistake("repeated words overwritten", overwritten_rows),),
    derivative=Derivative(
        forward="word_embedding_forward", upstream={"dout": "out"}, gradients={"dW": "W"}
    ),
)
