"""Hidden inputs of the autograded items (instructor side only, never released).

Shapes differ from the public checks on purpose (odd sizes, N = 1, T = 1, repeated
word indices, float32 and float64), and the seeds are fresh. Every student gets the
same cases, so reference outputs are computed once per run. Each case carries labels
(N, T, dtype) so that feedback can say "fails when N = 1" without showing any value.
"""

import zlib

import numpy as np

from autograder.checks.item import Case

HIDDEN_SEED = 2_611_2026
NULL, START, END = 0, 1, 2
VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square", "left"]

STEP_SHAPES = [((3, 7, 5), np.float64), ((1, 4, 9), np.float64), ((6, 5, 3), np.float32)]
# One more step case, in float32 as training runs: the first caption's input is LARGE
# times the others', so its pre-activations reach hundreds, where np.exp overflows in
# float32 (above 88.7). The other rows keep the outputs and gradients far from constant.
LARGE_STEP_SHAPE, LARGE = (4, 5, 6), 300.0
LARGE_LABEL = "large"  # its label "inputs" (feedback: "fails for large inputs")
SEQUENCE_SHAPES = [
    ((2, 5, 3, 4), np.float64),
    ((3, 1, 4, 6), np.float64),
    ((1, 7, 2, 5), np.float32),
]
EMBEDDING_SHAPES = [((3, 6, 5, 4), np.float64), ((1, 1, 7, 3), np.float32)]
LOSS_SHAPES = [(5, 6, 5, 7, 6), (1, 3, 4, 2, 1)]  # N, D, W, H, T
# N, D, W, H, max_length, how much less likely <END> is made (so that captions run long)
SAMPLE_SHAPES = [(6, 6, 5, 7, 9, 0.0), (1, 4, 3, 5, 3, 0.0), (8, 5, 6, 6, 12, 4.0)]
# How much less likely <NULL> and <START> are made in the sampling models: never chosen,
# as by a trained model (neither is ever a target), so a sampler may skip them.
NEVER_SAID = 50.0
# The draw of its generator each sampling item's models come from. No hidden case may
# expect what zeros, a constant or the starter code return, so every greedy caption must
# hold two different tokens up to its first <END> (it is then no constant caption, the
# starter's all-<NULL> one included); random models often repeat one word from the first.
# These draws meet that (tests/test_hidden_cases.py), every greedy choice wins by more
# than 0.05 in score (tests/test_rounding_margins.py), and each classic mistake of
# sampling changes at least 12 of the 15 captions.
SAMPLE_DRAWS = {"sample_rnn": 31, "sample_lstm": 606}


def rng_for(item: str, draw: int | None = None) -> np.random.Generator:
    """A generator of its own for every item (and draw), so adding an item changes no other."""
    extra = [] if draw is None else [draw]
    return np.random.default_rng([HIDDEN_SEED, zlib.crc32(item.encode()), *extra])


def normal(rng: np.random.Generator, shape: tuple, scale: float, dtype) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(dtype)


def dtype_label(dtype) -> str:
    return np.dtype(dtype).name


def step_cases(item: str, gates: int) -> list[Case]:
    """Inputs of one RNN (gates = 1) or LSTM (gates = 4) step, with upstream gradients; the
    last case has large pre-activations (labelled inputs: LARGE_LABEL)."""
    rng = rng_for(item)
    cases = []
    shapes = [*STEP_SHAPES, (LARGE_STEP_SHAPE, np.float32)]
    for number, ((N, D, H), dtype) in enumerate(shapes):
        inputs = {
            "x": normal(rng, (N, D), 1.0, dtype),
            "prev_h": normal(rng, (N, H), 1.0, dtype),
            "Wx": normal(rng, (D, gates * H), 1 / np.sqrt(D), dtype),
            "Wh": normal(rng, (H, gates * H), 1 / np.sqrt(H), dtype),
            "b": normal(rng, (gates * H,), 0.3, dtype),
            "dnext_h": normal(rng, (N, H), 1.0, dtype),
        }
        if gates == 4:
            inputs["prev_c"] = normal(rng, (N, H), 1.0, dtype)
            inputs["dnext_c"] = normal(rng, (N, H), 1.0, dtype)
        labels = {"N": N, "dtype": dtype_label(dtype)}
        if number == len(STEP_SHAPES):
            inputs["x"][0] *= LARGE
            labels["inputs"] = LARGE_LABEL
        cases.append(Case(inputs, labels))
    return cases


def sequence_cases(item: str, gates: int) -> list[Case]:
    """Inputs of an RNN or LSTM over T steps, with upstream gradients of every h_t."""
    rng = rng_for(item)
    cases = []
    for (N, T, D, H), dtype in SEQUENCE_SHAPES:
        inputs = {
            "x": normal(rng, (N, T, D), 1.0, dtype),
            "h0": normal(rng, (N, H), 1.0, dtype),
            "Wx": normal(rng, (D, gates * H), 1 / np.sqrt(D), dtype),
            "Wh": normal(rng, (H, gates * H), 1 / np.sqrt(H), dtype),
            "b": normal(rng, (gates * H,), 0.3, dtype),
            "dh": normal(rng, (N, T, H), 1.0, dtype),
        }
        cases.append(Case(inputs, {"N": N, "T": T, "dtype": dtype_label(dtype)}))
    return cases


def embedding_cases(item: str) -> list[Case]:
    """Word indices (some repeated), word vectors and upstream gradients."""
    rng = rng_for(item)
    cases = []
    for (N, T, V, D), dtype in EMBEDDING_SHAPES:
        x = rng.integers(V, size=(N, T))
        x[0, : min(T, 3)] = V - 1  # the same word several times
        inputs = {
            "x": x.astype(np.int32),
            "W": normal(rng, (V, D), 1.0, dtype),
            "dout": normal(rng, (N, T, D), 1.0, dtype),
        }
        cases.append(Case(inputs, {"N": N, "T": T, "dtype": dtype_label(dtype)}))
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


def model_inputs(rng, N: int, D: int, W: int, H: int, gates: int, scale: float) -> dict:
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
    inputs = {
        f"param_{name}": normal(rng, shape, scale, np.float64) for name, shape in shapes.items()
    }
    inputs["vocab"] = np.array(VOCAB)
    inputs["features"] = normal(rng, (N, D), 1.0, np.float64)
    return inputs


def loss_cases(item: str, gates: int) -> list[Case]:
    rng = rng_for(item)
    cases = []
    for N, D, W, H, T in LOSS_SHAPES:
        inputs = model_inputs(rng, N, D, W, H, gates, scale=0.5)
        inputs["captions"] = random_captions(rng, N, T, len(VOCAB))
        cases.append(Case(inputs, {"N": N, "T": T}))
    return cases


def sample_cases(item: str, gates: int) -> list[Case]:
    """Random models whose greedy captions hold no <NULL> or <START> (SAMPLE_DRAWS)."""
    rng = rng_for(item, SAMPLE_DRAWS[item])
    cases = []
    for N, D, W, H, max_length, later_end in SAMPLE_SHAPES:
        inputs = model_inputs(rng, N, D, W, H, gates, scale=1.0)
        inputs["param_b_vocab"][END] -= later_end
        inputs["param_b_vocab"][[NULL, START]] -= NEVER_SAID
        inputs["max_length"] = np.array(max_length)
        cases.append(Case(inputs, {"N": N, "max_length": max_length}))
    return cases
