"""overfit_rnn and overfit_lstm: train the student's model on a few distinct images.

The images are distinct (a repeated image with two different captions would put a
floor under the loss). The student's code only produces the trained weights; the
grader evaluates them with the reference loss and the reference greedy sampler, so a
wrong loss function cannot report a flattering number. A failure caused by a layer or
a loss charged at its own item is not charged again: the item is retried with the
reference layers, then with the reference loss too.

That last retry swaps in the function the item tests, so it gives credit only where the
student's own loss shows work (hidden.HiddenChecks._shows_work): on some hidden case of
loss_rnn / loss_lstm, run with the student's layers or with the reference layers, its
loss value equals the reference's or its outputs are those of a classic mistake of the
loss (charged there). A loss that raises NotImplementedError never does, nor does the
template's `0.0, {}` once its raise is deleted: no hidden loss is zero.
"""

from dataclasses import dataclass, field

import numpy as np

from autograder.checks import probes
from autograder.checks.cases import GATES, Case, Cases, Shape, model_sizes
from autograder.checks.compare import array_problem, error_problem
from autograder.checks.item import Item
from autograder.checks.items.loss import LAYERS
from autograder.checks.judgements import PARAMETERS, CaseVerdict, equal_captions, failed
from autograder.checks.shapes import sizes_of
from autograder.reference import reference_modules

# 20 images in one batch, 60 epochs: 60 Adam steps, the largest part of a grading. Every
# caption must come out exact, for the reference and for correct code written otherwise
# (the corpus's loops, lists, float64), whatever the rounding of the machine's BLAS
# kernels. Measured with four OpenBLAS kernels on those five implementations: the RNN ends
# at a loss of 0.093 with every true word ahead of the next-best by at least 3.5 in score;
# the LSTM at 0.096-0.134, ahead by at least 1.8 (the reference's margins are tested in
# tests/test_rounding_margins.py). At a learning rate of 2e-2 the LSTM ended at 0.17-0.21,
# and six of those twenty runs, the reference's among them, lost a caption; 45 epochs lose
# captions at any rate tried.
NUM_IMAGES = 20
SEED = 23_1126
SETTINGS = {
    "rnn": {"hidden_dim": 128, "wordvec_dim": 64, "learning_rate": 2e-2, "lr_decay": 0.99},
    "lstm": {"hidden_dim": 128, "wordvec_dim": 64, "learning_rate": 3e-2, "lr_decay": 0.995},
}
BATCH_SIZE, NUM_EPOCHS = NUM_IMAGES, 60
# Correct code ends within a few times the reference's loss (float rounding takes
# training on another path); wrong code stays far above it.
LOSS_FACTOR, LOSS_SLACK = 3.0, 0.05


@dataclass(frozen=True)
class Images(Shape):
    """N distinct training images of the dataset, one caption each."""

    N: int

    def sizes(self, inputs: dict, gates: int) -> dict[str, int]:
        """The sizes of the training set and of the model its settings make."""
        (N, F), (_, T) = inputs["features"].shape, inputs["captions"].shape
        sizes = model_sizes(N, T, F, int(inputs["wordvec_dim"]), int(inputs["hidden_dim"]), gates)
        return {**sizes, "V": len(inputs["vocab"])}


@dataclass(frozen=True)
class Training(Cases):
    """The case of an overfit item: N images of the dataset, chosen by its generator, and
    the settings of its training (hidden_dim, wordvec_dim, learning_rate, lr_decay)."""

    settings: dict = field(default_factory=dict)

    def seed(self, item: str) -> tuple:
        """The length of the item's name seeds its choice of images (the images the settings
        above were measured on); two overfit items whose names are as long would choose the
        same ones, which items/__init__.py refuses."""
        return (SEED, len(item))

    def build(self, item: str, data: dict | None) -> list[Case]:
        rng = np.random.default_rng(list(self.seed(item)))
        (shape,) = self.shapes
        image_idxs = data["train_image_idxs"]
        images = rng.choice(np.unique(image_idxs), size=shape.N, replace=False)
        rows = np.array([np.flatnonzero(image_idxs == image)[0] for image in images])
        inputs = {
            "features": data["train_features"][images].astype(np.float32),
            "captions": data["train_captions"][rows].astype(np.int32),
            "vocab": np.array(data["idx_to_word"]),
            "seed": np.array(SEED),
            "batch_size": np.array(BATCH_SIZE),
            "num_epochs": np.array(NUM_EPOCHS),
        }
        inputs.update({name: np.array(value) for name, value in self.settings.items()})
        return [Case(inputs, shape)]


def evaluate(cell_type: str, inputs: dict, params: dict) -> tuple[float, np.ndarray]:
    """Reference loss of trained weights on the case, and their greedy captions.

    Inputs:
    - cell_type: 'rnn' or 'lstm'
    - inputs: The case's inputs
    - params: Trained weights, named param_<name>

    Returns a tuple of:
    - loss: Reference captioning loss on the case's captions
    - captions: Reference greedy samples, of shape (N, T)
    """
    model = probes.build_model(reference_modules(), {**inputs, **params}, cell_type)
    loss, _ = model.loss(inputs["features"], inputs["captions"])
    return float(loss), model.sample(inputs["features"], max_length=inputs["captions"].shape[1] - 1)


def judge_overfit(item, case, result, expected, mistaken, source) -> CaseVerdict:
    """Half the points for the final loss, half for the fraction of exact captions."""
    if result.error is not None:
        return failed(error_problem(result, source), case, result)
    cell_type, inputs = item.options["cell_type"], case.inputs
    gates = "4" if cell_type == "lstm" else ""
    shapes = {f"param_{name}": shape.format(k=gates) for name, shape in PARAMETERS.items()}
    sizes = sizes_of(shapes, expected)
    for name, want in expected.items():
        label = f"model.params['{name.removeprefix('param_')}']"
        problem = array_problem(name, shapes[name], result, want, sizes)
        if problem:
            return failed(problem.replace(f"`{name}`", f"`{label}`"), case, result)
    reference_loss, _ = evaluate(cell_type, inputs, expected)
    loss, sampled = evaluate(cell_type, inputs, {n: result.arrays[n] for n in expected})
    loss_ok = loss <= LOSS_FACTOR * reference_loss + LOSS_SLACK
    matches = equal_captions(sampled, inputs["captions"][:, 1:])
    fraction = float(np.mean(matches))
    score = 0.5 * loss_ok + 0.5 * fraction
    if score == 1.0:
        return CaseVerdict(1.0)
    problems = []
    if not loss_ok:
        problems.append(
            f"after training, the loss on the training captions stays above {LOSS_FACTOR:g} "
            "times the reference's"
        )
    if fraction < 1.0:
        problems.append(
            f"{sum(matches)} of {len(matches)} greedy captions of the training images equal "
            "their ground truth"
        )
    return CaseVerdict(score, "; ".join(problems) + " (overfitting a small training set)")


def overfit_item(cell_type: str) -> Item:
    return Item(
        name=f"overfit_{cell_type}",
        function="loss",
        probe="train",
        options={"cell_type": cell_type},
        cases=Training(
            gates=GATES[cell_type], shapes=(Images(N=NUM_IMAGES),), settings=SETTINGS[cell_type]
        ),
        judge=judge_overfit,
        shapes={},
        retries=(LAYERS[cell_type], (*LAYERS[cell_type], "CaptioningRNN.loss")),
        seconds=40.0,
    )


OVERFIT_RNN = overfit_item("rnn")
OVERFIT_LSTM = overfit_item("lstm")
