"""The inputs of the public checks (`make check`), as data.

Each check's main case is a dict of arrays named as the grader names the inputs of its
hidden cases (x, prev_h, Wx, ..., dnext_h for a step; param_W_embed, ..., features,
captions for the model), so the course's release can compute, on exactly these inputs,
what every classic mistake gives (cs231n/known_mistakes.json), and `make check` can
tell your outputs apart from them. The edge cases (N = 1, T = 1, large inputs) are cut
from or built like these.
"""

from collections.abc import Callable

import numpy as np

SEED = 231
# The draw of the sampling checks' models: one in which right captions follow none of the
# classic sampling mistakes, and each mistake's captions follow that mistake only, so that
# `make check` tells them apart (tests/test_selfcheck.py checks both).
SAMPLE_SEED = 245
NULL, START, END = 0, 1, 2
TINY_VOCAB = ("<NULL>", "<START>", "<END>", "cat", "dog", "sat")
CLASSIC_VOCAB = ("<NULL>", "cat", "dog")  # the classic loss check's three words
LARGE = 300.0  # how much larger the first caption's input is in a "large inputs" case


def linspace(lo: float, hi: float, *shape: int) -> np.ndarray:
    """np.linspace(lo, hi, num=size).reshape(shape): the inputs of the classic checks."""
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)


def gaussian(
    rng: np.random.Generator, *shape: int, scale: float = 1.0, dtype: type = np.float64
) -> np.ndarray:
    """Random inputs; a scale of 0.4 keeps tanh and sigmoid away from saturation."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def weights(rng: np.random.Generator, D: int, H: int, k: int, dtype: type) -> dict:
    """Wx (D, kH), Wh (H, kH) and b (kH,), small enough to keep the units unsaturated."""
    return {
        "Wx": gaussian(rng, D, k * H, scale=0.4, dtype=dtype),
        "Wh": gaussian(rng, H, k * H, scale=0.4, dtype=dtype),
        "b": gaussian(rng, k * H, scale=0.4, dtype=dtype),
    }


def gates(cell: str) -> int:
    return 4 if cell == "lstm" else 1


def step_inputs(
    rng: np.random.Generator, cell: str, N: int, D: int, H: int, dtype: type = np.float64
) -> dict[str, np.ndarray]:
    """Random inputs of rnn_step_forward or lstm_step_forward (cell 'rnn' or 'lstm')."""
    inputs = {"x": gaussian(rng, N, D, dtype=dtype), "prev_h": gaussian(rng, N, H, dtype=dtype)}
    if cell == "lstm":
        inputs["prev_c"] = gaussian(rng, N, H, dtype=dtype)
    return inputs | weights(rng, D, H, gates(cell), dtype)


def sequence_inputs(
    rng: np.random.Generator, cell: str, N: int, T: int, D: int, H: int, dtype: type = np.float64
) -> dict[str, np.ndarray]:
    """Random inputs of rnn_forward or lstm_forward (cell 'rnn' or 'lstm')."""
    inputs = {"x": gaussian(rng, N, T, D, dtype=dtype), "h0": gaussian(rng, N, H, dtype=dtype)}
    return inputs | weights(rng, D, H, gates(cell), dtype)


def upstream_of_step(rng: np.random.Generator, cell: str, N: int, H: int, dtype=np.float64):
    """Upstream gradients of a step's outputs: dnext_h (and dnext_c for an LSTM)."""
    names = ("dnext_h", "dnext_c") if cell == "lstm" else ("dnext_h",)
    return {name: gaussian(rng, N, H, dtype=dtype) for name in names}


def large_step_inputs(cell: str) -> dict[str, np.ndarray]:
    """A float32 step whose first caption's pre-activations reach hundreds (np.exp
    overflows above 88.7 in float32), with upstream gradients."""
    rng = np.random.default_rng(SEED + 2)
    inputs = step_inputs(rng, cell, N=3, D=5, H=6, dtype=np.float32)
    inputs["x"][0] *= LARGE
    return inputs | upstream_of_step(rng, cell, 3, 6, np.float32)


def classic_step(cell: str) -> dict[str, np.ndarray]:
    """The classic inputs of the step forward checks (their expected values are known)."""
    if cell == "rnn":
        N, D, H = 3, 10, 4
        return {
            "x": linspace(-0.4, 0.7, N, D),
            "prev_h": linspace(-0.2, 0.5, N, H),
            "Wx": linspace(-0.1, 0.9, D, H),
            "Wh": linspace(-0.3, 0.7, H, H),
            "b": linspace(-0.2, 0.4, H),
        }
    N, D, H = 3, 4, 5
    return {
        "x": linspace(-0.4, 1.2, N, D),
        "prev_h": linspace(-0.3, 0.7, N, H),
        "prev_c": linspace(-0.4, 0.9, N, H),
        "Wx": linspace(-2.1, 1.3, D, 4 * H),
        "Wh": linspace(-0.7, 2.2, H, 4 * H),
        "b": linspace(0.3, 0.7, 4 * H),
    }


def classic_sequence(cell: str) -> dict[str, np.ndarray]:
    """The classic inputs of the sequence forward checks."""
    if cell == "rnn":
        N, T, D, H = 2, 3, 4, 5
        return {
            "x": linspace(-0.1, 0.3, N, T, D),
            "h0": linspace(-0.3, 0.1, N, H),
            "Wx": linspace(-0.2, 0.4, D, H),
            "Wh": linspace(-0.4, 0.1, H, H),
            "b": linspace(-0.7, 0.1, H),
        }
    N, D, H, T = 2, 5, 4, 3
    return {
        "x": linspace(-0.4, 0.6, N, T, D),
        "h0": linspace(-0.4, 0.8, N, H),
        "Wx": linspace(-0.2, 0.9, D, 4 * H),
        "Wh": linspace(-0.3, 0.6, H, 4 * H),
        "b": linspace(0.2, 0.7, 4 * H),
    }


def step_backward(cell: str, N: int = 4, seed: int = SEED) -> dict[str, np.ndarray]:
    """A random step and upstream gradients, for the numerical gradient check."""
    rng = np.random.default_rng(seed)
    return step_inputs(rng, cell, N=N, D=5, H=6) | upstream_of_step(rng, cell, N, 6)


def sequence_backward(cell: str, N: int = 3, T: int = 4, seed: int = SEED) -> dict:
    """A random sequence and upstream gradients dh, for the numerical gradient check."""
    rng = np.random.default_rng(seed)
    inputs = sequence_inputs(rng, cell, N, T, D=5, H=6)
    return inputs | {"dh": gaussian(rng, N, T, 6)}


def embedding_forward() -> dict[str, np.ndarray]:
    return {"x": np.array([[0, 3, 1, 2], [2, 1, 0, 3]]), "W": linspace(0, 1, 5, 3)}


def embedding_backward() -> dict[str, np.ndarray]:
    """Words (one of them three times), vectors and upstream gradients."""
    rng = np.random.default_rng(SEED)
    N, T, V, D = 2, 5, 4, 3
    words = rng.integers(V, size=(N, T))
    words[0, :3] = 1  # a word that appears several times
    return {"x": words, "W": gaussian(rng, V, D), "dout": gaussian(rng, N, T, D)}


def parameter_shapes(k: int, V: int, D: int, W: int, H: int) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter of a CaptioningRNN, in the constructor's order.

    Inputs:
    - k: Blocks of the activation, 1 for an RNN and 4 for an LSTM (see gates)
    - V, D, W, H: Vocabulary, feature, word-vector and hidden sizes

    Returns:
    - Map from parameter name to its shape
    """
    return {
        "W_embed": (V, W),
        "W_proj": (D, H),
        "b_proj": (H,),
        "Wx": (W, k * H),
        "Wh": (H, k * H),
        "b": (k * H,),
        "W_vocab": (H, V),
        "b_vocab": (V,),
    }


def classic_loss(cell: str) -> dict[str, np.ndarray]:
    """The classic loss check: every parameter linspace(-1.4, 1.3), its expected loss known."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    V = len(CLASSIC_VOCAB)
    shapes = parameter_shapes(gates(cell), V, D, W, H)
    lo, hi = (-1.5, 0.3) if cell == "rnn" else (-0.5, 1.7)
    return {
        **{f"param_{name}": linspace(-1.4, 1.3, *shape) for name, shape in shapes.items()},
        "vocab": np.array(CLASSIC_VOCAB),
        "features": linspace(lo, hi, N, D),
        "captions": (np.arange(N * T) % V).reshape(N, T),
    }


def tiny_model(cell: str, rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    """Random parameters of a small model over TINY_VOCAB (D = 4, W = 5, H = 6)."""
    shapes = parameter_shapes(gates(cell), len(TINY_VOCAB), D=4, W=5, H=6)
    return {
        **{f"param_{name}": gaussian(rng, *shape, scale=scale) for name, shape in shapes.items()},
        "vocab": np.array(TINY_VOCAB),
    }


def loss_gradients(cell: str, N: int = 3, T: int = 4, seed: int = SEED) -> dict:
    """A tiny model and N captions of T words to predict (padded where N > 1)."""
    rng = np.random.default_rng(seed)
    inputs = tiny_model(cell, rng, scale=0.4)
    features = gaussian(rng, N, 4)
    captions = rng.integers(START, len(TINY_VOCAB), size=(N, T + 1))
    if N > 1:  # padding, which the loss must ignore (a whole caption's when T = 1)
        captions[0, -min(T, 2) :] = NULL
    return inputs | {"features": features, "captions": captions}


def sampling(cell: str, N: int = 5, max_length: int = 7, seed: int = SAMPLE_SEED) -> dict:
    """A tiny model to sample N captions of max_length words from."""
    rng = np.random.default_rng(seed)
    inputs = tiny_model(cell, rng, scale=0.7)
    return inputs | {"features": gaussian(rng, N, 4), "max_length": np.array(max_length)}


# Every check's main case, by the check's name.
CASES: dict[str, Callable[[], dict[str, np.ndarray]]] = {
    "rnn_step_forward": lambda: classic_step("rnn"),
    "rnn_step_backward": lambda: step_backward("rnn"),
    "rnn_forward": lambda: classic_sequence("rnn"),
    "rnn_backward": lambda: sequence_backward("rnn"),
    "word_embedding_forward": embedding_forward,
    "word_embedding_backward": embedding_backward,
    "lstm_step_forward": lambda: classic_step("lstm"),
    "lstm_step_backward": lambda: step_backward("lstm"),
    "lstm_forward": lambda: classic_sequence("lstm"),
    "lstm_backward": lambda: sequence_backward("lstm"),
    "loss_rnn": lambda: classic_loss("rnn"),
    "loss_lstm": lambda: classic_loss("lstm"),
    "loss_gradients_rnn": lambda: loss_gradients("rnn"),
    "loss_gradients_lstm": lambda: loss_gradients("lstm"),
    "sample_rnn": lambda: sampling("rnn"),
    "sample_lstm": lambda: sampling("lstm"),
}
