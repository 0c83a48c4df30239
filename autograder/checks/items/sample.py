"""sample_rnn and sample_lstm: CaptioningRNN.sample, greedy decoding.

Both run the same student method with a different cell type, so a mistake of the
model code found in both is charged at sample_rnn only (shares_code_with).

Its classic mistakes include the samplers that skip a part of the work (the word fed
back, the recurrence, the image): a caption that one of them writes too earns no
partial credit (judgements.judge_sample).
"""

import numpy as np

from autograder.checks.cases import GATES, START, Cases, Sampling
from autograder.checks.item import KNOWN, Item, Mistake
from autograder.checks.judgements import judge_sample
from autograder.checks.mistakes import on_inputs, on_outputs, replacing

SHAPES = (
    Sampling(N=6, D=6, W=5, H=7, max_length=9),
    Sampling(N=1, D=4, W=3, H=5, max_length=3),
    Sampling(N=8, D=5, W=6, H=6, max_length=12, later_end=4.0),
)
# The draw of its generator each sampling item's models come from. No hidden case may
# expect what zeros, a constant or the starter code return, so every greedy caption must
# hold two different tokens up to its first <END> (it is then no constant caption, the
# starter's all-<NULL> one included); random models often repeat one word from the first.
# These draws meet that (tests/test_hidden_cases.py), every greedy choice wins by more
# than 0.05 in score (tests/test_rounding_margins.py), and each classic mistake of
# sampling changes at least 12 of the 15 captions.
DRAWS = {"rnn": 31, "lstm": 606}


def start_in_column_0(outputs: dict, a: dict) -> dict:
    captions = outputs["captions"]
    shifted = np.concatenate([np.full((len(captions), 1), START), captions[:, :-1]], axis=1)
    return {"captions": shifted.astype(captions.dtype)}


def start_fed_every_step(m, a: dict) -> dict:
    """Every row of W_embed equal to that of <START>: each step is fed <START>."""
    W_embed = a["param_W_embed"]
    return {**a, "param_W_embed": np.repeat(W_embed[START : START + 1], len(W_embed), axis=0)}


def first_projection(change):
    """The reference whose first affine layer of sampling (the projection to h0) gives
    change(h0) instead of h0."""

    def replace(m, a: dict) -> dict:
        affine_forward, calls = m.model.affine_forward, []

        def changed_first(x, w, b):
            out, cache = affine_forward(x, w, b)
            calls.append(None)
            return (change(out) if len(calls) == 1 else out), cache

        return {"affine_forward": changed_first}

    return replace


def every_step_from_h0(cell_type: str):
    """Every step starts from h0 (and an LSTM's from a zero cell state): no recurrence."""
    name = f"{cell_type}_step_forward"

    def replace(m, a: dict) -> dict:
        step, first = getattr(m.model, name), []

        def from_h0(x, h, *rest):
            first.append(h)
            if cell_type == "lstm":  # rest is c, Wx, Wh, b
                rest = (np.zeros_like(rest[0]), *rest[1:])
            return step(x, first[0], *rest)

        return {name: from_h0}

    return replace


def cell_state_dropped(m, a: dict) -> dict:
    """Every LSTM step starts from a zero cell state."""
    step = m.model.lstm_step_forward
    return {"lstm_step_forward": lambda x, h, c, Wx, Wh, b: step(x, h, np.zeros_like(c), Wx, Wh, b)}


def sample_item(cell_type: str) -> Item:
    call = {"cell_type": cell_type}
    return Item(
        name=f"sample_{cell_type}",
        function="sample",
        probe="sample",
        options=call,
        cases=Cases(gates=GATES[cell_type], shapes=SHAPES, draw=DRAWS[cell_type]),
        judge=judge_sample,
        shapes={"captions": "(N, max_length)"},
        # A sampler may step with the sequence forward (T = 1) instead of the step.
        retries=(("word_embedding_forward", f"{cell_type}_step_forward", f"{cell_type}_forward"),),
        hint=KNOWN.HINTS["sample"],
        mistakes=(
            Mistake("START in column 0", on_outputs("sample", call, start_in_column_0)),
            Mistake("START fed every step", on_inputs("sample", call, start_fed_every_step)),
            Mistake("tanh on h0", replacing("sample", call, "model", first_projection(np.tanh))),
            Mistake(
                "image unused", replacing("sample", call, "model", first_projection(np.zeros_like))
            ),
            Mistake(
                "every step from h0",
                replacing("sample", call, "model", every_step_from_h0(cell_type)),
            ),
            *(
                [
                    Mistake(
                        "cell not carried", replacing("sample", call, "model", cell_state_dropped)
                    )
                ]
                if cell_type == "lstm"
                else []
            ),
        ),
        shares_code_with=None if cell_type == "rnn" else "sample_rnn",
    )


SAMPLE_RNN = sample_item("rnn")
SAMPLE_LSTM = sample_item("lstm")
