"""Is a caption greedy? Judged with the scores of your own CaptioningRNN.loss.

A caption C (N, T) is greedy when, fed [<START>, C] as a training caption, your loss
scores each word of C as the best word at its step, up to the caption's first <END>: the
scores are those your loss hands temporal_affine_forward's caller, caught on the way. No
step is replayed here; the classic sampling mistakes are recognised by changing what that
one loss call is given (the words fed, the features, the projection to h0), so that
`make check` and the notebooks can say which one a sampler makes, in the words of
cs231n/known_mistakes.py. The verdict is only as right as your loss: the callers judge
only once your loss passes its own check.

One mistake the grader names cannot be recognised this way: "cell not carried" (the LSTM
sampler drops the cell state between steps) needs a replay of the steps themselves, so
its captions are reported here as not greedy, without a name (see UNNAMED).
"""

import copy
import sys

import numpy as np

from cs231n.public_cases import END, START

# The classic sampling mistakes a changed loss call can recognise, by their names in
# known_mistakes, and those the grader names that it cannot.
MISTAKES = (
    "START in column 0",
    "START fed every step",
    "tanh on h0",
    "image unused",
    "every step from h0",
)
UNNAMED = ("cell not carried",)
SCORES = "temporal_affine_forward"  # the provided layer whose output is the scores


class Unjudged(Exception):
    """Your loss could not score the captions: the message says why."""


def scores(model, features: np.ndarray, fed: np.ndarray) -> np.ndarray:
    """The scores your loss computes when the words fed at the T steps are `fed`.

    The loss gets the captions [fed, fed's last column]; the scores of temporal_affine_forward
    are caught where your model's module looks it up, and the layer is put back after.

    Inputs:
    - model: A CaptioningRNN
    - features: Image features, of shape (N, D)
    - fed: The word fed at each step, of shape (N, T)

    Returns:
    - scores: The scores of every word at every step, of shape (N, T, V)
    """
    module = sys.modules[type(model).__module__]
    if not hasattr(module, SCORES):
        raise Unjudged(f"{module.__name__} does not import {SCORES}")
    provided = getattr(module, SCORES)
    caught = []

    def catching(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple:
        out, cache = provided(x, w, b)
        caught.append(out)
        return out, cache

    setattr(module, SCORES, catching)
    try:
        model.loss(features, np.concatenate([fed, fed[:, -1:]], axis=1))
    except NotImplementedError as error:
        raise Unjudged("CaptioningRNN.loss raises NotImplementedError") from error
    except Exception as error:  # your loss may raise anything; the caller says so
        raise Unjudged(f"CaptioningRNN.loss raised {type(error).__name__}: {error}") from error
    finally:
        setattr(module, SCORES, provided)
    expected = (*fed.shape, model.params["W_vocab"].shape[1])
    if not caught or np.shape(caught[-1]) != expected:
        raise Unjudged(f"CaptioningRNN.loss computes no scores of shape {expected}")
    return caught[-1]


def mismatches(model, features: np.ndarray, captions: np.ndarray, mistake=None) -> int:
    """How many captions are not greedy decodings (with one classic mistake made, if named).

    Inputs:
    - model: A CaptioningRNN (yours: its loss scores the captions)
    - features: Image features, of shape (N, D)
    - captions: Integer captions, of shape (N, T)
    - mistake: None for greedy decoding, or a name of MISTAKES to judge with that mistake

    Returns:
    - The number of captions in which some word up to the first <END> is not the best
      word of its step

    Raises Unjudged when your loss cannot score the captions.
    """
    N, T = captions.shape
    if mistake == "START in column 0":
        if T < 2 or not np.all(captions[:, 0] == START):
            return N
        captions, T = captions[:, 1:], T - 1
    vocab = model.params["W_vocab"].shape[1]
    fed = np.clip(np.concatenate([np.full((N, 1), START), captions[:, :-1]], axis=1), 0, vocab - 1)
    judged = copy.copy(model)
    judged.params = dict(model.params)
    W_proj, b_proj = model.params["W_proj"], model.params["b_proj"]
    if mistake == "START fed every step":
        fed = np.full_like(fed, START)
    if mistake == "image unused":
        judged.params["W_proj"], judged.params["b_proj"] = np.zeros_like(W_proj), b_proj * 0
    if mistake == "tanh on h0":  # features tanh(h0), projected by the identity
        features = np.tanh(features @ W_proj + b_proj)
        judged.params["W_proj"] = np.eye(len(b_proj), dtype=W_proj.dtype)
        judged.params["b_proj"] = b_proj * 0
    if mistake == "every step from h0":  # each step a caption of its own, from h0
        best = scores(judged, np.repeat(features, T, axis=0), fed.reshape(N * T, 1))
        best = best.reshape(N, T, -1).argmax(axis=2)
    else:
        best = scores(judged, features, fed).argmax(axis=2)
    before_end = np.cumsum(captions == END, axis=1) - (captions == END) == 0
    return int(np.any((captions != best) & before_end, axis=1).sum())


def named_mistake(model, features: np.ndarray, captions: np.ndarray) -> str | None:
    """The first classic sampling mistake of MISTAKES whose captions these all are, or None.

    Raises Unjudged when your loss cannot score the captions.
    """
    for mistake in MISTAKES:
        if mismatches(model, features, captions, mistake) == 0:
            return mistake
    return None
