#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. The root is
# /autograder unless GRADESCOPE_ROOT says otherwise (as in run_autograder; the kit's own
# tests use a temporary one). It installs the kit from ROOT/source:
# - ROOT/source/.venv: Python 3.11-3.13 with the pinned packages that grading needs
#   (autograder/gradescope/files/requirements.txt, not the instructor's whole set). The
#   image's own python3 is used if it is one of those; otherwise (every Ubuntu image
#   Gradescope offers today)
#   a pinned, checksummed CPython build is downloaded: see kit_python.py. No apt package
#   is needed, so any Ubuntu base image works.
# - the embedded dataset (the overfit checks train on it), and what every upload would
#   otherwise compute again: the held-out split and the hidden checks' reference outputs
#   (`prepare --no-course`: the template course is for batch grading with nbgrader only).
set -euo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
KIT="$ROOT/source"
export CS231N_DATA_DIR="$KIT/data/shapes_captioning"
cd "$KIT"
command -v python3 >/dev/null || { echo "setup.sh: this image has no python3" >&2; exit 1; }
python3 autograder/gradescope/files/kit_python.py "$KIT/.venv" python3.11 python3.12 python3.13 python3
PY="$KIT/.venv/bin/python"
PIP=("$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
"${PIP[@]}" --upgrade pip -c constraints.txt  # the pinned pip reads the index twice as fast
"${PIP[@]}" -r autograder/gradescope/files/requirements.txt -c constraints.txt
"$PY" -m cs231n.shapes.build --out "$CS231N_DATA_DIR"
"$PY" -m autograder prepare --no-course
echo "setup.sh: the kit is installed in $KIT ($("$PY" --version))"
