"""Where things live in the repository; every path is absolute."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "autograder" / "source"
BUILD = REPO / "build"

# Student-edited modules: solved in SOURCE, stubbed in the student package.
STUDENT_MODULES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
# Student notebooks: authored in nbgrader's source format under SOURCE/notebooks.
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
