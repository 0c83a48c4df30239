"""Where things live in the repository; every path is absolute."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "autograder" / "source"
BUILD = REPO / "build"

# Student-edited modules: solved in SOURCE, stubbed in the student package.
STUDENT_MODULES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
# Student notebooks: authored in nbgrader's source format under SOURCE/notebooks.
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
# The embedded dataset (`make data`); CS231N_DATA_DIR points elsewhere if set.
DATA_DIR = Path(os.environ.get("CS231N_DATA_DIR", REPO / "data" / "shapes_captioning"))
