"""Where things live in the repository; every path is absolute."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "autograder" / "source"
BUILD = REPO / "build"
# What the kit computes once and reuses (hidden checks, the template course); keyed files.
CACHE = BUILD / "cache"

# Student-edited modules: solved in SOURCE, stubbed in the student package.
STUDENT_MODULES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
# Student notebooks: authored in nbgrader's source format under SOURCE/notebooks.
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
# Trained parameters the notebooks save for the (ungraded) leaderboard, by cell type.
TRAINED_MODELS = {"rnn": "notebooks/captioner_rnn.npz", "lstm": "notebooks/captioner_lstm.npz"}
# The embedded dataset (`make data`); CS231N_DATA_DIR points elsewhere if set.
DATA_DIR = Path(os.environ.get("CS231N_DATA_DIR", REPO / "data" / "shapes_captioning"))


def kit_files(folder: Path) -> list[Path]:
    """The files of a kit folder that belong in a bundle, sorted.

    Left out: Python caches, notebook checkpoints, and trained parameters that running
    the notebooks saved (they are a student's work, or the instructor's trained model).
    """
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not {"__pycache__", ".ipynb_checkpoints"} & set(path.parts)
        and path.suffix != ".npz"
    ]
