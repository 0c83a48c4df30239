"""word_embedding_forward: look up the word vector of every index."""

import numpy as np

from autograder.checks.cases import Cases, Embedding
from autograder.checks.item import KNOWN, Item, layer_call
from autograder.checks.judgements import judge_outputs

CALL = layer_call("word_embedding_forward", ["x", "W"], ["out", "cache"])

ITEM = Item(
    name="word_embedding_forward",
    function="word_embedding_forward",
    probe="layer",
    options=CALL,
    cases=Cases(
        shapes=(
            Embedding(N=3, T=6, V=5, D=4),
            Embedding(N=1, T=1, V=7, D=3, dtype=np.float32),
        ),
    ),
    judge=judge_outputs,
    shapes={"out": "(N, T, D)"},
    hint=KNOWN.HINTS["word_embedding_forward"],
)
