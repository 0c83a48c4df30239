"""word_embedding_forward: look up the word vector of every index."""

from autograder.checks.cases import embedding_cases
from autograder.checks.item import KNOWN, Item, layer_call
from autograder.checks.judgements import judge_outputs

CALL = layer_call("word_embedding_forward", ["x", "W"], ["out", "cache"])

ITEM = Item(
    name="word_embedding_forward",
    function="word_embedding_forward",
    probe="layer",
    options=CALL,
    cases=lambda data: embedding_cases("word_embedding_forward"),
    judge=judge_outputs,
    shapes={"out": "(N, T, D)"},
    hint=KNOWN.HINTS["word_embedding_forward"],
)
