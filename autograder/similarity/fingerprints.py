"""Fingerprints of regions, by copydetect's tokenizer and winnowing.

copydetect replaces every name with V (functions F, classes O, strings S) and drops
comments and whitespace, so renamed variables and rewritten comments change nothing;
it hashes every k-gram of what is left and keeps the winnowed minimum of each window.
The boilerplate (every k-gram of the release stubs) is removed from every region, as
copydetect's own boilerplate option does.

copydetect hashes with Python's `hash`, which is salted per process: fingerprints are
only comparable within one process (or its forked children).
"""

import io

import numpy as np
from copydetect import CodeFingerprint

from autograder.paths import REPO, STUDENT_MODULES
from autograder.similarity.regions import Region

# The shortest run of matching characters, after copydetect's filtering, that counts
# (its noise threshold k), and the winnowing window: a match of NOISE + WINDOW - 1
# characters or more is always found (copydetect's guarantee threshold). Regions are
# short, so every k-gram is kept (window 1), as copydetect advises when speed allows.
NOISE = 15
WINDOW = 1


def _fingerprint(text: str, window: int, boilerplate: np.ndarray) -> CodeFingerprint:
    return CodeFingerprint(
        "region.py", NOISE, window, boilerplate, language="python", fp=io.StringIO(text)
    )


def boilerplate_hashes() -> np.ndarray:
    """Every k-gram hash of the release stubs of the student-edited modules, sorted."""
    hashes = [
        _fingerprint((REPO / module).read_text(), 1, np.array([])).hashes
        for module in STUDENT_MODULES
    ]
    return np.unique(np.fromiter(set().union(*hashes), dtype=np.int64))


def fingerprint(region: Region, boilerplate: np.ndarray) -> CodeFingerprint | None:
    """copydetect's fingerprint of a region, or None if it has nothing to compare.

    Inputs:
    - region: A TODO region
    - boilerplate: Hashes to leave out (boilerplate_hashes())

    Returns:
    - The fingerprint, or None when the region is an unimplemented stub or nothing of
      it is left once the boilerplate is taken out
    """
    if not region.implemented:
        return None
    prints = _fingerprint(region.text, WINDOW, boilerplate)
    return prints if prints.hashes else None
