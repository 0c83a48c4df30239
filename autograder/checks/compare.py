"""Judge what a student's code returned against the reference, in the trusted grader.

Every judgement returns a score in [0, 1] and a message for the student. Messages
name the symptom (which output, which shape, which input was changed) and never
contain hidden inputs, expected values or grader paths.
"""

import re
from dataclasses import dataclass, field

import numpy as np

TOLERANCE = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-4}

SHAPES = {
    "next_h": "(N, H)",
    "next_c": "(N, H)",
    "dprev_h": "(N, H)",
    "dprev_c": "(N, H)",
    "dh0": "(N, H)",
    "h": "(N, T, H)",
    "out": "(N, T, D)",
    "dW": "(V, D)",
    "loss": "a scalar",
    "captions": "(N, max_length)",
}

HINTS = {
    "lstm_step_forward": "check the order of the four gate blocks (i, f, o, g) and that only g "
    "uses tanh",
    "rnn_backward": "walk the timesteps in reverse and add the gradient carried back from step "
    "t+1 to dh[:, t]",
    "lstm_backward": "walk the timesteps in reverse and carry both the hidden-state and the "
    "cell-state gradient from step t+1 back to step t",
    "word_embedding_backward": "a word that appears several times must receive the sum of all "
    "its gradients (np.add.at)",
    "lstm_step_backward": "next_h depends on next_c: the total gradient of next_c is dnext_c plus "
    "the part that flows through next_h",
}


@dataclass
class CaseResult:
    """What the sandbox reported for one case, after validation."""

    error: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    modified: list[str] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def error_message(error: str) -> str:
    """What a student sees of an exception their code raised (numbers masked)."""
    if error.startswith("NotImplementedError"):
        return "not implemented yet (raises NotImplementedError)"
    masked = re.sub(r"-?\d+\.\d*(e[-+]?\d+)?|-?\d+e[-+]?\d+", "…", error)
    return f"raised {masked[:200]}"


def array_problem(name: str, result: CaseResult, expected: np.ndarray, kind: str = "f") -> str:
    """Why result.arrays[name] cannot be compared with expected (None if it can)."""
    label = SHAPES.get(name, "the shape of the corresponding input")
    if name not in result.arrays:
        returned = result.types.get(name)
        if returned is None:
            return f"`{name}` was not returned"
        return f"`{name}` is a {returned}; expected a numpy array of shape {label}"
    got = result.arrays[name]
    if got.shape != expected.shape:
        return f"`{name}` has shape {got.shape}; expected {label}, here {expected.shape}"
    wanted = ("f",) if kind == "f" else ("i", "u")
    if got.dtype.kind not in wanted:
        kind_name = "a float" if kind == "f" else "an integer"
        return f"`{name}` has dtype {got.dtype}; expected {kind_name} array"
    if kind == "f" and not np.all(np.isfinite(got)):
        return f"`{name}` contains NaN or inf"
    return None


def close(got: np.ndarray, expected: np.ndarray) -> bool:
    """Maximum error relative to the largest expected magnitude, within dtype tolerance."""
    tolerance = TOLERANCE.get(expected.dtype, 1e-7)
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    error = float(np.max(np.abs(got.astype(np.float64) - expected), initial=0.0))
    return error / scale <= tolerance


def modified_message(names: list[str]) -> str:
    quoted = ", ".join(f"`{name}`" for name in names)
    return (
        f"your function changed its input {quoted}: compute new arrays instead of updating "
        "inputs in place (e.g. `d = dnext_c + ...`, not `dnext_c += ...`)"
    )


def judge_arrays(item: str, result: CaseResult, expected: dict) -> tuple[float, str]:
    """All named float outputs must match the reference."""
    if result.error is not None:
        return 0.0, error_message(result.error)
    for name, want in expected.items():
        problem = array_problem(name, result, want)
        if problem:
            return 0.0, problem
    wrong = [name for name, want in expected.items() if not close(result.arrays[name], want)]
    if result.modified:
        return 0.0, modified_message(result.modified)
    if not wrong:
        return 1.0, ""
    right = [name for name in expected if name not in wrong]
    names = " and ".join(f"`{name}`" for name in wrong)
    message = f"{names} {'does' if len(wrong) == 1 else 'do'} not match the reference"
    if right:
        message += " (" + ", ".join(f"`{name}`" for name in right) + " match)"
    if item == "lstm_step_forward" and wrong == ["next_h"]:
        return 0.0, message + ": check which gate multiplies tanh(next_c)"
    hint = HINTS.get(item)
    return 0.0, f"{message}: {hint}" if hint else message


def judge_loss(item: str, result: CaseResult, expected: dict) -> tuple[float, str]:
    """The loss and the gradient of every parameter must match the reference."""
    if result.error is not None:
        return 0.0, error_message(result.error)
    problem = array_problem("loss", result, expected["loss"])
    if problem:
        return 0.0, problem
    if not close(result.arrays["loss"], expected["loss"]):
        return 0.0, (
            "the loss does not match the reference: use captions[:, :-1] as inputs and "
            "captions[:, 1:] as targets, mask the <NULL> targets, and divide by N (not by "
            "the number of words)"
        )
    grads = {name: want for name, want in expected.items() if name.startswith("grad_")}
    for name, want in grads.items():
        if name not in result.types:
            return 0.0, f"grads has no entry '{name[len('grad_') :]}'"
        problem = array_problem(name, result, want)
        if problem:
            return 0.0, problem.replace(f"`{name}`", f"grads['{name[len('grad_') :]}']")
    wrong = [
        name[len("grad_") :] for name, want in grads.items() if not close(result.arrays[name], want)
    ]
    if wrong:
        listed = ", ".join(wrong)
        return 0.0, f"the loss matches, but the gradients of {listed} do not match the reference"
    return 1.0, ""


def judge_sample(item: str, result: CaseResult, expected: dict) -> tuple[float, str]:
    """Fraction of captions whose tokens, up to the reference's first <END>, are equal."""
    if result.error is not None:
        return 0.0, error_message(result.error)
    want = expected["captions"]
    problem = array_problem("captions", result, want, kind="i")
    if problem:
        return 0.0, problem
    got = result.arrays["captions"]
    matches = [
        np.array_equal(g[: meaningful_length(w)], w[: meaningful_length(w)])
        for g, w in zip(got, want, strict=True)
    ]
    fraction = float(np.mean(matches))
    if fraction == 1.0:
        return 1.0, ""
    return fraction, (
        f"{sum(matches)} of {len(matches)} captions match greedy decoding: start from <START>, "
        "take the argmax word at every step, feed it back as the next input, and write the "
        "first generated word to column 0"
    )


def meaningful_length(tokens: np.ndarray, end: int = 2) -> int:
    """Number of tokens up to and including the first <END> (all of them if none)."""
    ends = np.flatnonzero(tokens == end)
    return int(ends[0]) + 1 if ends.size else len(tokens)
