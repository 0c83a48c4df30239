#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu, as root).
# It installs the kit from /autograder/source: Python 3.11, the pinned packages,
# the embedded dataset (the overfit checks use it), the reference solution and the
# leaderboard's held-out split.
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    python3.11 python3.11-venv make
cd /autograder/source
make setup data solution heldout PYTHON=python3.11
