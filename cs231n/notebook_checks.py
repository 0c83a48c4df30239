"""Verdicts the notebooks print where you look: in the words of the grader and `make check`.

Each function returns one line of text for a check cell to print: whether a backward pass
left its inputs unchanged, whether sampled captions are greedy (and which classic mistake
they follow if not), how many memorised captions an overfit model writes back, and, before
a training cell, whether your layers keep float32 inputs float32 and what float64 costs.
The words of every mistake come from cs231n/known_mistakes.py.
"""

import time

import numpy as np

from cs231n import greedy
from cs231n import known_mistakes as known
from cs231n.selfcheck import FLOAT32_RESULTS, GRADED_AS, greediness

# Seconds per training iteration of the notebooks' full-size models (batch 100, Adam, one
# BLAS thread), right code in float32 and in float64 (every array made without a dtype):
# the best of two runs on a shared 2-core machine, 2026-12.
ITERATION_SECONDS = {"rnn": (0.013, 0.028), "lstm": (0.025, 0.053)}
# The layers each model trains with, as `make check` names its checks.
LAYERS = {
    cell: (
        "word_embedding_forward",
        "word_embedding_backward",
        f"{cell}_step_forward",
        f"{cell}_step_backward",
        f"{cell}_forward",
        f"{cell}_backward",
        f"loss_gradients_{cell}",
    )
    for cell in ("rnn", "lstm")
}


def unchanged_inputs(function: str, **inputs: tuple[np.ndarray, np.ndarray]) -> str:
    """Whether a function left its inputs as they were, in the grader's words.

    Inputs:
    - function: The function that was called
    - inputs: For each input, (the array after the call, a copy made before it)

    Returns:
    - "Inputs left unchanged: dnext_h, dnext_c" or what the grader charges for it
    """
    changed = [
        name
        for name, (after, before) in inputs.items()
        if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True)
    ]
    if not changed:
        return f"Inputs left unchanged: {', '.join(inputs)}"
    share = known.in_place_share(GRADED_AS.get(function, function))
    return f"CHANGED IN PLACE: {known.in_place(function, changed, share)}"


def sampling_verdict(model, features: np.ndarray, captions: np.ndarray) -> str:
    """Whether a model's captions are its greedy decodings, judged with your loss's scores.

    Inputs:
    - model: A CaptioningRNN
    - features: The image features it sampled from, of shape (N, D)
    - captions: What model.sample returned for them

    Returns:
    - One line: greedy, or the classic mistake they follow, or how many are not greedy, or
      why they cannot be judged yet
    """
    try:
        wrong = greediness(model, features, np.asarray(captions))
    except greedy.Unjudged as reason:
        return f"NOT JUDGED ({reason})"
    if wrong is None:
        return f"Greedy decoding: all {len(captions)} captions are the model's greedy captions"
    return f"NOT GREEDY ({wrong}): the grader counts such captions as wrong"


def memorised(model, data: dict) -> str:
    """How many training captions an overfit model writes back exactly, as the grader's
    overfit item counts them (the greedy caption, up to its <END>, is the true caption).

    Inputs:
    - model: The trained CaptioningRNN
    - data: Its training data: train_captions, train_image_idxs, train_features

    Returns:
    - One line, naming a sampling mistake where the captions follow one
    """
    truth = data["train_captions"][:, 1:]
    features = data["train_features"][data["train_image_idxs"]]
    sampled = np.asarray(model.sample(features, max_length=truth.shape[1]))
    same = sum(
        np.array_equal(got[: through_end(want, model._end)], want[: through_end(want, model._end)])
        for got, want in zip(sampled, truth, strict=True)
    )
    line = f"{same} of {len(truth)} training captions come back exactly from greedy decoding"
    verdict = sampling_verdict(model, features, sampled)
    return line if verdict.startswith("Greedy") else f"{line}; {verdict}"


def through_end(caption: np.ndarray, end: int) -> int:
    """The length of a caption up to and including its first <END> (all of it if none)."""
    ends = np.flatnonzero(caption == end)
    return int(ends[0]) + 1 if ends.size else len(caption)


def training_note(solver) -> str:
    """Before a training cell: whether your layers keep float32 inputs float32, and the
    time the solver's training will take here.

    Inputs:
    - solver: The CaptioningSolver about to train (nothing of it changes)

    Returns:
    - One line (starting with NOTE when float64 slows the training down)
    """
    model, data = solver.model, solver.data
    cell = model.cell_type
    wide = [check for check in LAYERS[cell] if float64_outputs(check)]
    captions = data["train_captions"]
    iterations = solver.num_iterations or solver.num_epochs * max(
        len(captions) // solver.batch_size, 1
    )
    rows = np.random.default_rng(0).integers(len(captions), size=solver.batch_size)
    features = data["train_features"][data["train_image_idxs"][rows]]
    seconds = iterations * min(loss_seconds(model, features, captions[rows]) for _ in range(3))
    if not wide:
        return f"Your layers keep float32 inputs float32: this training takes about {seconds:.0f} s"
    fast, slow = ITERATION_SECONDS[cell]
    return (
        f"NOTE: float64 results for float32 inputs in {', '.join(wide)} (see `make check`): "
        f"this training runs in float64 and takes about {seconds:.0f} s here, about twice as "
        f"long as in float32 (the reference {cell.upper()}: {fast} s per iteration in float32, "
        f"{slow} s in float64)"
    )


def loss_seconds(model, features: np.ndarray, captions: np.ndarray) -> float:
    """The time of one loss and its gradients (most of a training iteration)."""
    start = time.perf_counter()
    model.loss(features, captions)
    return time.perf_counter() - start


def float64_outputs(check: str) -> bool:
    """Whether the function of a `make check` check returns float64 for float32 inputs."""
    try:
        results = FLOAT32_RESULTS[check]()
    except NotImplementedError:
        raise
    except Exception:  # a failing function: its check cell says what is wrong
        return False
    return any(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in results.values())
