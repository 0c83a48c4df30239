"""Hidden inputs of the autograded items (instructor side only, never released).

An item declares its hidden cases in its own file, as shapes: Step(N=1, D=4, H=9),
Sequence(...), Embedding(...), Model(...) or Sampling(...), each with its sizes, dtype
and whether its inputs are large. This module turns them into arrays. Shapes differ
from the public checks on purpose (odd sizes, N = 1, T = 1, repeated word indices,
float32 and float64), and the seeds are fresh: every item draws from a generator of its
own, seeded with its own name, so adding or copying an item changes no other item's
cases. Every student gets the same cases, so reference outputs are computed once per run.

A shape's sizes bound what a retry may ask of the reference functions (sandbox/oracle.py):
each is named by a letter of the functions' arguments, N (batch), T (timesteps), D
(a layer's input size), F (image features), H (hidden size), G (gates * H) and V
(vocabulary), and no argument of a call may be larger along an axis than the item's
cases are.

A shape's labels are what feedback may say about its case without showing any value:
every size of 1 ("fails when H = 1"), the dtype ("fails for float32 inputs") and large
inputs ("fails for large inputs"). A label only tells where no other case of the item
has it.
"""

import zlib
from dataclasses import dataclass, fields

import numpy as np

from autograder.provided import provided_module

PUBLIC = provided_module("public_cases")
HIDDEN_SEED = 2_611_2026
NULL, START, END = PUBLIC.NULL, PUBLIC.START, PUBLIC.END  # the vocabulary's first words
VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square", "left"]
GATES = {"rnn": 1, "lstm": 4}  # blocks of the activation, by cell type
# How much larger the first caption's input is in a case of large inputs: its
# pre-activations reach hundreds, where np.exp overflows in float32 (above 88.7). The
# other rows keep the outputs and gradients far from constant.
LARGE = 300.0
# How much less likely <NULL> and <START> are made in the sampling models: never chosen,
# as by a trained model (neither is ever a target), so a sampler may skip them.
NEVER_SAID = 50.0
# What the public checks call a case of large inputs (cs231n/known_mistakes.py).
LARGE_INPUTS = provided_module("known_mistakes").LARGE_INPUTS
PARAMETER_SHAPES = PUBLIC.parameter_shapes

Inputs = dict[str, np.ndarray]


def normal(rng: np.random.Generator, shape: tuple, scale: float, dtype) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(dtype)


def weights(rng: np.random.Generator, D: int, H: int, gates: int, dtype) -> Inputs:
    """Wx (D, gates * H), Wh (H, gates * H) and b (gates * H,) of an RNN or LSTM."""
    return {
        "Wx": normal(rng, (D, gates * H), 1 / np.sqrt(D), dtype),
        "Wh": normal(rng, (H, gates * H), 1 / np.sqrt(H), dtype),
        "b": normal(rng, (gates * H,), 0.3, dtype),
    }


@dataclass(frozen=True)
class Shape:
    """The shape of one hidden case; its fields are the sizes of the assignment's symbols."""

    @property
    def labels(self) -> tuple[str, ...]:
        """What feedback may name the case by: "N = 1" for every size of 1 (in the order of
        the fields), then "float32 inputs" (the dtype, where the shape has one) and "large
        inputs"."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        sizes = [name for name, value in values.items() if type(value) is int]  # not bool
        labels = [f"{name} = 1" for name in sizes if values[name] == 1]
        if "dtype" in values:
            labels.append(f"{np.dtype(values['dtype']).name} inputs")
        if values.get("large"):
            labels.append(LARGE_INPUTS)
        return tuple(labels)

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        """The case's size of each letter of the reference functions' arguments.

        Inputs:
        - inputs: The case's arrays
        - gates: Blocks of the activation (1 for an RNN, 4 for an LSTM)
        """
        raise NotImplementedError(f"{type(self).__name__} names no sizes")

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        """The case's arrays, drawn from the item's generator.

        Inputs:
        - rng: The item's generator (the cases before this one drew from it first)
        - gates: Blocks of the activation (1 for an RNN, 4 for an LSTM)
        """
        raise NotImplementedError(f"{type(self).__name__} makes no inputs of its own")


@dataclass(frozen=True)
class Case:
    """One hidden case: its inputs, and the shape it was declared with."""

    inputs: Inputs
    shape: Shape

    @property
    def labels(self) -> tuple[str, ...]:
        """What feedback may name the case by ("N = 1", "float32 inputs")."""
        return self.shape.labels


@dataclass(frozen=True)
class Step(Shape):
    """One RNN or LSTM step: x (N, D), prev_h (N, H), weights of gates * H columns, and the
    upstream gradients (prev_c and dnext_c too for an LSTM). Large: the first caption's x
    is LARGE times larger."""

    N: int
    D: int
    H: int
    dtype: type = np.float64
    large: bool = False

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        return {"N": self.N, "D": self.D, "H": self.H, "G": gates * self.H}

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        N, D, H, dtype = self.N, self.D, self.H, self.dtype
        inputs = {
            "x": normal(rng, (N, D), 1.0, dtype),
            "prev_h": normal(rng, (N, H), 1.0, dtype),
            **weights(rng, D, H, gates, dtype),
            "dnext_h": normal(rng, (N, H), 1.0, dtype),
        }
        if gates == 4:
            inputs["prev_c"] = normal(rng, (N, H), 1.0, dtype)
            inputs["dnext_c"] = normal(rng, (N, H), 1.0, dtype)
        if self.large:
            inputs["x"][0] *= LARGE
        return inputs


@dataclass(frozen=True)
class Sequence(Shape):
    """An RNN or LSTM over T steps: x (N, T, D), h0 (N, H), weights, and upstream
    gradients dh of every h_t."""

    N: int
    T: int
    D: int
    H: int
    dtype: type = np.float64

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        return {"N": self.N, "T": self.T, "D": self.D, "H": self.H, "G": gates * self.H}

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        N, T, D, H, dtype = self.N, self.T, self.D, self.H, self.dtype
        return {
            "x": normal(rng, (N, T, D), 1.0, dtype),
            "h0": normal(rng, (N, H), 1.0, dtype),
            **weights(rng, D, H, gates, dtype),
            "dh": normal(rng, (N, T, H), 1.0, dtype),
        }


@dataclass(frozen=True)
class Embedding(Shape):
    """Word indices x (N, T) into V words, the first caption's first words all the last
    word (a word several times), word vectors W (V, D) and upstream gradients."""

    N: int
    T: int
    V: int  # words in the vocabulary
    D: int  # size of a word vector
    dtype: type = np.float64

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        return {"N": self.N, "T": self.T, "V": self.V, "D": self.D}

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        x = rng.integers(self.V, size=(self.N, self.T))
        x[0, : min(self.T, 3)] = self.V - 1
        return {
            "x": x.astype(np.int32),
            "W": normal(rng, (self.V, self.D), 1.0, self.dtype),
            "dout": normal(rng, (self.N, self.T, self.D), 1.0, self.dtype),
        }


@dataclass(frozen=True)
class Model(Shape):
    """A float64 CaptioningRNN (features of size D, word vectors of size W, hidden size H)
    and N random captions of T + 1 tokens, for its loss."""

    N: int
    D: int
    W: int
    H: int
    T: int

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        return model_sizes(self.N, self.T + 1, self.D, self.W, self.H, gates)  # T + 1 tokens

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        inputs = model_inputs(rng, self.N, self.D, self.W, self.H, gates, scale=0.5)
        inputs["captions"] = random_captions(rng, self.N, self.T, len(VOCAB))
        return inputs


@dataclass(frozen=True)
class Sampling(Shape):
    """A random float64 CaptioningRNN whose greedy captions hold no <NULL> or <START>,
    for sampling max_length words; later_end makes <END> that much less likely (so that
    captions run long)."""

    N: int
    D: int
    W: int
    H: int
    max_length: int
    later_end: float = 0.0

    def sizes(self, inputs: Inputs, gates: int) -> dict[str, int]:
        return model_sizes(self.N, self.max_length, self.D, self.W, self.H, gates)

    def inputs(self, rng: np.random.Generator, gates: int) -> Inputs:
        inputs = model_inputs(rng, self.N, self.D, self.W, self.H, gates, scale=1.0)
        inputs["param_b_vocab"][END] -= self.later_end
        inputs["param_b_vocab"][[NULL, START]] -= NEVER_SAID
        inputs["max_length"] = np.array(self.max_length)
        return inputs


@dataclass(frozen=True)
class Cases:
    """An item's hidden cases: their shapes, in order, drawn from one generator.

    - shapes: The shape of every case
    - gates: Blocks of the activation (1 for an RNN, 4 for an LSTM)
    - draw: The draw of the item's generator the cases come from (None for the first);
      a draw is chosen where the first one's cases miss something (a sampling item's)
    """

    shapes: tuple[Shape, ...]
    gates: int = 1
    draw: int | None = None

    def seed(self, item: str) -> tuple:
        """What the item's generator is seeded with: its own name (and draw)."""
        return (HIDDEN_SEED, zlib.crc32(item.encode()), *([] if self.draw is None else [self.draw]))

    def build(self, item: str, data: dict | None) -> list[Case]:
        """The cases of the named item (data, the dataset, is not used)."""
        rng = np.random.default_rng(list(self.seed(item)))
        return [Case(shape.inputs(rng, self.gates), shape) for shape in self.shapes]

    def bounds(self, cases: list[Case]) -> dict[str, int]:
        """The largest size of each letter over the item's cases (see the module's text)."""
        bounds: dict[str, int] = {}
        for case in cases:
            for letter, size in case.shape.sizes(case.inputs, self.gates).items():
                bounds[letter] = max(bounds.get(letter, 0), size)
        return bounds


def random_captions(rng, N: int, T: int, V: int) -> np.ndarray:
    """N captions of T + 1 tokens: <START>, words, <END>, then <NULL> padding."""
    captions = np.full((N, T + 1), NULL, dtype=np.int32)
    for row in captions:
        length = int(rng.integers(0, T))
        row[0] = START
        row[1 : length + 1] = rng.integers(3, V, size=length)
        row[length + 1] = END
    return captions


def model_sizes(N: int, T: int, D: int, W: int, H: int, gates: int) -> dict[str, int]:
    """The sizes of a CaptioningRNN's case: its layers' input size D is the word vectors'."""
    return {"N": N, "T": T, "D": W, "F": D, "H": H, "G": gates * H, "V": len(VOCAB)}


def model_inputs(rng, N: int, D: int, W: int, H: int, gates: int, scale: float) -> dict:
    """Vocabulary, parameters and image features of a small float64 CaptioningRNN."""
    shapes = PARAMETER_SHAPES(gates, len(VOCAB), D, W, H)
    inputs = {
        f"param_{name}": normal(rng, shape, scale, np.float64) for name, shape in shapes.items()
    }
    inputs["vocab"] = np.array(VOCAB)
    inputs["features"] = normal(rng, (N, D), 1.0, np.float64)
    return inputs
