"""Is a caption greedy? Greedy decoding replayed with your own step functions.

The replay feeds each caption's own words back, one step at a time, and checks that
every word is the best-scoring one at its step, up to the caption's first <END>. It
replays the classic sampling mistakes the same way, so that `make check` and the
notebooks can say which one a sampler makes, in the words of cs231n/known_mistakes.py.
"""

import numpy as np

from cs231n.public_cases import END, START

# The classic sampling mistakes a replay can recognise, by their names in known_mistakes.
MISTAKES = (
    "START in column 0",
    "START fed every step",
    "tanh on h0",
    "image unused",
    "every step from h0",
    "cell not carried",
)


def mismatches(
    layers, params: dict, features: np.ndarray, captions: np.ndarray, cell_type: str, mistake=None
) -> int:
    """How many captions are not greedy decodings (with one classic mistake made, if named).

    Inputs:
    - layers: A module with rnn_step_forward and lstm_step_forward (yours)
    - params: The model's parameters (W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab)
    - features: Image features, of shape (N, D)
    - captions: Integer captions, of shape (N, T)
    - cell_type: 'rnn' or 'lstm'
    - mistake: None for greedy decoding, or a name of MISTAKES to replay that mistake

    Returns:
    - The number of captions in which some word up to the first <END> is not the replay's
    """
    p = params
    if mistake == "START in column 0":
        if captions.shape[1] < 2 or not np.all(captions[:, 0] == START):
            return len(captions)
        captions = captions[:, 1:]
    h0 = features @ p["W_proj"] + p["b_proj"]
    h0 = {"tanh on h0": np.tanh(h0), "image unused": np.zeros_like(h0)}.get(mistake, h0)
    c0 = np.zeros_like(h0)
    hidden, cell = h0, c0
    fed_back = np.full(len(features), START)
    live = np.ones(len(features), dtype=bool)
    wrong = np.zeros(len(features), dtype=bool)
    for column in captions.T:
        if mistake == "every step from h0":
            hidden, cell = h0, c0
        if mistake == "cell not carried":
            cell = c0
        embedded = p["W_embed"][fed_back]
        if cell_type == "lstm":
            hidden, cell, _ = layers.lstm_step_forward(
                embedded, hidden, cell, p["Wx"], p["Wh"], p["b"]
            )
        else:
            hidden, _ = layers.rnn_step_forward(embedded, hidden, p["Wx"], p["Wh"], p["b"])
        best = np.argmax(hidden @ p["W_vocab"] + p["b_vocab"], axis=1)
        wrong |= live & (column != best)
        live &= column != END
        fed_back = fed_back if mistake == "START fed every step" else column
    return int(wrong.sum())


def named_mistake(
    layers, params: dict, features: np.ndarray, captions: np.ndarray, cell_type: str
) -> str | None:
    """The first classic sampling mistake whose replay the captions all follow, or None."""
    for mistake in MISTAKES:
        if mistake == "cell not carried" and cell_type != "lstm":
            continue
        if mismatches(layers, params, features, captions, cell_type, mistake) == 0:
            return mistake
    return None
