"""The overfit items: train the student's model on a few distinct images.

The images are distinct (a repeated image with two different captions would put a
floor under the loss). The student's code only produces the trained weights; the
grader evaluates them with the reference loss and the reference greedy sampler, so
a wrong loss function cannot report a flattering number.
"""

import numpy as np

from autograder.checks import probes
from autograder.checks.compare import CaseResult, array_problem, error_message, meaningful_length
from autograder.reference import reference_modules

NUM_IMAGES = 40
SEED = 23_1126
SETTINGS = {
    "rnn": {"hidden_dim": 128, "wordvec_dim": 64, "learning_rate": 1e-2, "lr_decay": 0.99},
    "lstm": {"hidden_dim": 128, "wordvec_dim": 64, "learning_rate": 1e-2, "lr_decay": 0.995},
}
BATCH_SIZE, NUM_EPOCHS = 20, 60
# Correct code ends within a few times the reference's loss (float rounding takes
# training on another path); wrong code stays far above it.
LOSS_FACTOR, LOSS_SLACK = 3.0, 0.05


def overfit_case(item: str, data: dict) -> dict:
    """Inputs of an overfit item: one caption each of NUM_IMAGES distinct train images."""
    rng = np.random.default_rng([SEED, len(item)])
    image_idxs = data["train_image_idxs"]
    images = rng.choice(np.unique(image_idxs), size=NUM_IMAGES, replace=False)
    rows = np.array([np.flatnonzero(image_idxs == image)[0] for image in images])
    settings = SETTINGS[item.removeprefix("overfit_")]
    case = {
        "features": data["train_features"][images].astype(np.float32),
        "captions": data["train_captions"][rows].astype(np.int32),
        "vocab": np.array(data["idx_to_word"]),
        "seed": np.array(SEED),
        "batch_size": np.array(BATCH_SIZE),
        "num_epochs": np.array(NUM_EPOCHS),
    }
    case.update({name: np.array(value) for name, value in settings.items()})
    return case


def evaluate(item: str, case: dict, params: dict) -> tuple[float, np.ndarray]:
    """Reference loss of trained weights on the case, and their greedy captions.

    Inputs:
    - item: overfit_rnn or overfit_lstm
    - case: The item's inputs
    - params: Trained weights, named param_<name>

    Returns a tuple of:
    - loss: Reference captioning loss on the case's captions
    - captions: Reference greedy samples, of shape (N, T)
    """
    model = probes.build_model(
        reference_modules(), {**case, **params}, item.removeprefix("overfit_")
    )
    loss, _ = model.loss(case["features"], case["captions"])
    return float(loss), model.sample(case["features"], max_length=case["captions"].shape[1] - 1)


def judge_overfit(item: str, result: CaseResult, expected: dict) -> tuple[float, str]:
    """Half the points for the final loss, half for the fraction of exact captions."""
    if result.error is not None:
        return 0.0, error_message(result.error)
    weights = {name: value for name, value in expected.items() if name.startswith("param_")}
    for name, want in weights.items():
        problem = array_problem(name, result, want)
        if problem:
            return 0.0, problem.replace(f"`{name}`", f"model.params['{name[len('param_') :]}']")
    loss, sampled = evaluate(item, expected["case"], {n: result.arrays[n] for n in weights})
    loss_ok = loss <= LOSS_FACTOR * expected["loss"] + LOSS_SLACK
    target = expected["case"]["captions"][:, 1:]
    matches = [
        np.array_equal(got[: meaningful_length(want)], want[: meaningful_length(want)])
        for got, want in zip(sampled, target, strict=True)
    ]
    fraction = float(np.mean(matches))
    score = 0.5 * loss_ok + 0.5 * fraction
    if score == 1.0:
        return 1.0, ""
    problems = []
    if not loss_ok:
        problems.append(
            f"after training, the loss on the training captions is {loss:.3f}: too high"
        )
    if fraction < 1.0:
        problems.append(
            f"{sum(matches)} of {len(matches)} greedy captions of the training images equal "
            "their ground truth"
        )
    return score, "; ".join(problems) + " (overfitting a small training set)"
