"""sample_rnn and sample_lstm: CaptioningRNN.sample, greedy decoding.

Both run the same student method with a different cell type, so a mistake of the
model code found in both is charged at sample_rnn only (shares_code_with).
"""

import numpy as np

from autograder.checks.cases import START, sample_cases
from autograder.checks.item import Item, Mistake
from autograder.checks.judgements import judge_sample
from autograder.checks.mistakes import on_inputs, on_outputs, replacing


def start_in_column_0(outputs: dict, a: dict) -> dict:
    captions = outputs["captions"]
    shifted = np.concatenate([np.full((len(captions), 1), START), captions[:, :-1]], axis=1)
    return {"captions": shifted.astype(captions.dtype)}


def start_fed_every_step(m, a: dict) -> dict:
    """Every row of W_embed equal to that of <START>: each step is fed <START>."""
    W_embed = a["param_W_embed"]
    return {**a, "param_W_embed": np.repeat(W_embed[START : START + 1], len(W_embed), axis=0)}


def tanh_on_h0(m, a: dict) -> dict:
    """The first affine layer of sampling (the projection to h0) followed by a tanh."""
    affine_forward, calls = m.model.affine_forward, []

    def squashed_first(x, w, b):
        out, cache = affine_forward(x, w, b)
        calls.append(None)
        return (np.tanh(out) if len(calls) == 1 else out), cache

    return {"affine_forward": squashed_first}


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
        cases=lambda data: sample_cases(
            f"sample_{cell_type}", gates=4 if cell_type == "lstm" else 1
        ),
        judge=judge_sample,
        shapes={"captions": "(N, max_length)"},
        retries=(("word_embedding_forward", f"{cell_type}_step_forward"),),
        hint="start from <START>, take the argmax word at every step, feed it back as the "
        "next input, and write the first generated word to column 0",
        mistakes=(
            Mistake(
                "<START> is written to column 0: column 0 holds the first generated word",
                on_outputs("sample", call, start_in_column_0),
            ),
            Mistake(
                "every step is fed <START>: feed back the word chosen at the step before",
                on_inputs("sample", call, start_fed_every_step),
            ),
            Mistake(
                "h0 has a tanh: the initial hidden state is the plain affine projection of the "
                "features",
                replacing("sample", call, "model", tanh_on_h0),
            ),
            *(
                [
                    Mistake(
                        "the cell state is not carried: hand each step the next_c of the step "
                        "before (it starts from zero)",
                        replacing("sample", call, "model", cell_state_dropped),
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
