"""Hidden inputs of every autograded item (instructor side only, never released).

Shapes differ from the public checks on purpose (odd sizes, N = 1, T = 1,
repeated word indices, float32 and float64), and the seeds are fresh. Every
student gets the same cases, so reference outputs are computed once per run.
"""

import zlib

import numpy as np

HIDDEN_SEED = 2_611_2026
NULL, START, END = 0, 1, 2
VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square", "left"]

Case = dict[str, np.ndarray]


def rng_for(item: str) -> np.random.Generator:
    """A generator of its own for every item, so adding an item changes no other."""
    return np.random.default_rng([HIDDEN_SEED, zlib.crc32(item.encode())])


def normal(rng: np.random.Generator, shape: tuple, scale: float, dtype) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(dtype)


def step_inputs(rng, N: int, D: int, H: int, gates: int, dtype, lstm: bool) -> Case:
    """Inputs of one RNN or LSTM step, with upstream gradients for the backward pass."""
    case = {
        "x": normal(rng, (N, D), 1.0, dtype),
        "prev_h": normal(rng, (N, H), 1.0, dtype),
        "Wx": normal(rng, (D, gates * H), 1 / np.sqrt(D), dtype),
        "Wh": normal(rng, (H, gates * H), 1 / np.sqrt(H), dtype),
        "b": normal(rng, (gates * H,), 0.3, dtype),
        "dnext_h": normal(rng, (N, H), 1.0, dtype),
    }
    if lstm:
        case["prev_c"] = normal(rng, (N, H), 1.0, dtype)
        case["dnext_c"] = normal(rng, (N, H), 1.0, dtype)
    return case


def sequence_inputs(rng, N: int, T: int, D: int, H: int, gates: int, dtype) -> Case:
    """Inputs of an RNN or LSTM over T steps, with upstream gradients of every h_t."""
    return {
        "x": normal(rng, (N, T, D), 1.0, dtype),
        "h0": normal(rng, (N, H), 1.0, dtype),
        "Wx": normal(rng, (D, gates * H), 1 / np.sqrt(D), dtype),
        "Wh": normal(rng, (H, gates * H), 1 / np.sqrt(H), dtype),
        "b": normal(rng, (gates * H,), 0.3, dtype),
        "dh": normal(rng, (N, T, H), 1.0, dtype),
    }


STEP_SHAPES = [((3, 7, 5), np.float64), ((1, 4, 9), np.float64), ((6, 5, 3), np.float32)]
SEQUENCE_SHAPES = [
    ((2, 5, 3, 4), np.float64),
    ((3, 1, 4, 6), np.float64),
    ((1, 7, 2, 5), np.float32),
]


def step_cases(item: str, lstm: bool) -> list[Case]:
    rng = rng_for(item)
    gates = 4 if lstm else 1
    return [step_inputs(rng, *shape, gates, dtype, lstm) for shape, dtype in STEP_SHAPES]


def sequence_cases(item: str, lstm: bool) -> list[Case]:
    rng = rng_for(item)
    gates = 4 if lstm else 1
    return [sequence_inputs(rng, *shape, gates, dtype) for shape, dtype in SEQUENCE_SHAPES]


def embedding_cases(item: str) -> list[Case]:
    rng = rng_for(item)
    cases = []
    for (N, T, V, D), dtype in [((3, 6, 5, 4), np.float64), ((1, 1, 7, 3), np.float32)]:
        x = rng.integers(V, size=(N, T))
        x[0, : min(T, 3)] = V - 1  # the same word several times
        cases.append(
            {
                "x": x.astype(np.int32),
                "W": normal(rng, (V, D), 1.0, dtype),
                "dout": normal(rng, (N, T, D), 1.0, dtype),
            }
        )
    return cases


def random_captions(rng, N: int, T: int, V: int) -> np.ndarray:
    """N captions of T + 1 tokens: <START>, words, <END>, then <NULL> padding."""
    captions = np.full((N, T + 1), NULL, dtype=np.int32)
    for row in captions:
        length = int(rng.integers(0, T))
        row[0] = START
        row[1 : length + 1] = rng.integers(3, V, size=length)
        row[length + 1] = END
    return captions


def model_inputs(rng, N: int, D: int, W: int, H: int, gates: int, scale: float) -> Case:
    """Vocabulary, parameters and image features of a small float64 CaptioningRNN."""
    V = len(VOCAB)
    shapes = {
        "W_embed": (V, W),
        "W_proj": (D, H),
        "b_proj": (H,),
        "Wx": (W, gates * H),
        "Wh": (H, gates * H),
        "b": (gates * H,),
        "W_vocab": (H, V),
        "b_vocab": (V,),
    }
    case = {
        f"param_{name}": normal(rng, shape, scale, np.float64) for name, shape in shapes.items()
    }
    case["vocab"] = np.array(VOCAB)
    case["features"] = normal(rng, (N, D), 1.0, np.float64)
    return case


def loss_cases(item: str, lstm: bool) -> list[Case]:
    rng = rng_for(item)
    gates = 4 if lstm else 1
    cases = []
    for N, D, W, H, T in [(5, 6, 5, 7, 6), (1, 3, 4, 2, 1)]:
        case = model_inputs(rng, N, D, W, H, gates, scale=0.5)
        case["captions"] = random_captions(rng, N, T, len(VOCAB))
        cases.append(case)
    return cases


def sample_cases(item: str, lstm: bool) -> list[Case]:
    rng = rng_for(item)
    gates = 4 if lstm else 1
    cases = []
    for N, D, W, H, max_length in [(6, 6, 5, 7, 9), (1, 4, 3, 5, 3)]:
        case = model_inputs(rng, N, D, W, H, gates, scale=1.0)
        case["max_length"] = np.array(max_length)
        cases.append(case)
    return cases


def hidden_cases(item: str) -> list[Case]:
    """Every case of one item that does not need the dataset."""
    lstm = "lstm" in item
    if item in ("rnn_step_forward", "rnn_step_backward", "lstm_step_forward", "lstm_step_backward"):
        return step_cases(item, lstm)
    if item in ("rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward"):
        return sequence_cases(item, lstm)
    if item.startswith("word_embedding"):
        return embedding_cases(item)
    if item.startswith("loss_"):
        return loss_cases(item, lstm)
    if item.startswith("sample_"):
        return sample_cases(item, lstm)
    raise KeyError(item)
