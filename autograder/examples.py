"""Example submissions for the demo and the tests, derived from the instructor sources.

- reference: every TODO region solved
- stubs: the untouched student release
- partial: the RNN part solved, every LSTM function left as a stub
- buggy: LSTM gates in the order i, f, g, o (forward and backward consistently: only
  the forward is charged), and a loss averaged over the words instead of divided by N
  (one mistake of the model code: charged at loss_rnn only)

For the leaderboard, the reference example also hands in both trained captioners and
the partial one the RNN captioner (its LSTM layers are stubs): small models trained by
the reference solution for a fixed number of iterations (a few seconds, deterministic).
"""

import ast
import functools
import io
import zipfile
from pathlib import Path

import numpy as np

from autograder.cache import cached
from autograder.intake.submissions import STUDENT_FILES
from autograder.paths import DATA_DIR, REPO, SOURCE, TRAINED_MODELS
from autograder.reference import reference_modules
from autograder.release.stubs import BEGIN, END, generated_header, make_stub, strip_markers

LAYERS, MODEL = "cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"

GATE_ORDER_BUG = """

# Example bug: the gate blocks are taken in the order i, f, g, o (forward and
# backward agree with each other, but not with the assignment's i, f, o, g).
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.concatenate(
        [dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dc * i * (1 - g**2),
         dnext_h * tanh_c * o * (1 - o)],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""

LOSS_BY_TOKENS_BUG = """

# Example bug: the loss is averaged over the words instead of divided by N.
_provided_softmax_loss = temporal_softmax_loss


def temporal_softmax_loss(x, y, mask, verbose=False):
    loss, dx = _provided_softmax_loss(x, y, mask)
    scale = x.shape[0] / max(int(mask.sum()), 1)
    return loss * scale, dx * scale
"""


def solved_except(text: str, unsolved: set[str]) -> str:
    """An instructor module with the named functions stubbed and every other one solved."""
    inside = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef) and node.name in unsolved:
            inside.update(range(node.lineno, node.end_lineno + 1))
    lines = text.splitlines(keepends=True)
    kept = [
        line
        for number, line in enumerate(lines, start=1)
        if number in inside or line.strip() not in (BEGIN, END)
    ]
    return make_stub("".join(kept))


# Sizes and learning rate of the examples' captioners, trained for TRAIN_ITERATIONS
# minibatches of BATCH_SIZE captions (held-out BLEU-4 about 0.55 / 0.4).
TRAINING = {
    "rnn": {"hidden_dim": 128, "wordvec_dim": 64, "learning_rate": 5e-3},
    "lstm": {"hidden_dim": 64, "wordvec_dim": 64, "learning_rate": 5e-3},
}
TRAIN_ITERATIONS, BATCH_SIZE, TRAIN_SEED = 300, 100, 231


@functools.cache
def trained_models() -> dict[str, bytes]:
    """The .npz files of both captioners, trained with the reference solution once per
    version of the kit (then read from build/cache/).

    Returns:
    - Map from relative path (TRAINED_MODELS) to the file's content
    """
    return cached("trained-models", train_models)


def train_models() -> dict[str, bytes]:
    """Train both captioners with the reference solution; returns what trained_models does."""
    reference = reference_modules()
    from cs231n.coco_utils import load_coco_data  # the reference package's copy

    data = load_coco_data(base_dir=DATA_DIR)
    rows = TRAIN_ITERATIONS * BATCH_SIZE  # one epoch of exactly TRAIN_ITERATIONS minibatches
    subset = {
        **data,
        "train_captions": data["train_captions"][:rows],
        "train_image_idxs": data["train_image_idxs"][:rows],
    }
    files = {}
    for cell_type, relative in TRAINED_MODELS.items():
        settings = TRAINING[cell_type]
        np.random.seed(TRAIN_SEED)
        model = reference.model.CaptioningRNN(
            data["word_to_idx"],
            input_dim=data["train_features"].shape[1],
            wordvec_dim=settings["wordvec_dim"],
            hidden_dim=settings["hidden_dim"],
            cell_type=cell_type,
            dtype=np.float32,
        )
        reference.solver.CaptioningSolver(
            model,
            subset,
            update_rule="adam",
            optim_config={"learning_rate": settings["learning_rate"]},
            batch_size=BATCH_SIZE,
            num_epochs=1,
            verbose=False,
            seed=TRAIN_SEED,
        ).train()
        buffer = io.BytesIO()
        np.savez(buffer, **model.params)
        files[relative] = buffer.getvalue()
    return files


def example_files() -> dict[str, dict[str, str | bytes]]:
    """Map from example student id to its files (relative path -> text, or bytes for .npz)."""
    notebooks = {rel: (REPO / rel).read_text() for rel in STUDENT_FILES if rel.endswith(".ipynb")}
    solved = {rel: strip_markers((SOURCE / rel).read_text()) for rel in (LAYERS, MODEL)}
    lstm = {
        "lstm_step_forward",
        "lstm_step_backward",
        "lstm_forward",
        "lstm_backward",
    }
    partial_layers = generated_header(LAYERS) + solved_except((SOURCE / LAYERS).read_text(), lstm)
    models = trained_models()
    rnn_model = TRAINED_MODELS["rnn"]
    return {
        "reference": {**notebooks, **solved, **models},
        "stubs": {
            **notebooks,
            LAYERS: (REPO / LAYERS).read_text(),
            MODEL: (REPO / MODEL).read_text(),
        },
        "partial": {
            **notebooks,
            LAYERS: partial_layers,
            MODEL: solved[MODEL],
            rnn_model: models[rnn_model],
        },
        "buggy": {
            **notebooks,
            LAYERS: solved[LAYERS] + GATE_ORDER_BUG,
            MODEL: solved[MODEL] + LOSS_BY_TOKENS_BUG,
        },
    }


def write_examples(folder: Path) -> list[Path]:
    """Write every example as `<student_id>.zip`, laid out like the student release."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student_id, files in example_files().items():
        path = folder / f"{student_id}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for relative, content in sorted(files.items()):
                archive.writestr(relative, content)
        written.append(path)
    return written
