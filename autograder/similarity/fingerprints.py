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
from copydetect.utils import filter_code, get_document_fingerprints

from autograder.paths import REPO, STUDENT_MODULES
from autograder.similarity.regions import Region

# The shortest run of matching characters, after copydetect's filtering, that counts
# (its noise threshold k), and the winnowing window: a match of NOISE + WINDOW - 1
# characters or more is always found (copydetect's guarantee threshold). Regions are
# short, so every k-gram is kept (window 1), as copydetect advises when speed allows.
NOISE = 15
WINDOW = 1
LANGUAGE = "python"


def filtered_code(region: Region) -> str | None:
    """copydetect's filtered text of a region (names as V, no comments or layout).

    Returns:
    - The filtered text, or None when the region is an unimplemented stub
    """
    if not region.implemented:
        return None
    code, _ = filter_code(region.text, "region.py", LANGUAGE)
    return code


def region_hashes(filtered: str | None, boilerplate: np.ndarray) -> set[int] | None:
    """The fingerprint hashes of a filtered region, the boilerplate taken out.

    Inputs:
    - filtered: filtered_code() of a region, or None
    - boilerplate: Hashes to leave out (boilerplate_hashes())

    Returns:
    - The set of hashes, or None when there is nothing (left) to compare
    """
    if filtered is None:
        return None
    hashes, _ = get_document_fingerprints(filtered, NOISE, WINDOW, boilerplate)
    return hashes or None


def boilerplate_hashes() -> np.ndarray:
    """Every k-gram hash of the release stubs of the student-edited modules, sorted."""
    hashes = set()
    for module in STUDENT_MODULES:
        code, _ = filter_code((REPO / module).read_text(), module, LANGUAGE)
        hashes |= get_document_fingerprints(code, NOISE, 1)[0]
    return np.unique(np.fromiter(hashes, dtype=np.int64))


def fingerprint(region: Region | None, boilerplate: np.ndarray) -> CodeFingerprint | None:
    """copydetect's full fingerprint of a region, with what highlighting needs.

    Returns:
    - The fingerprint, or None when region_hashes() would be None
    """
    if region is None or not region.implemented:
        return None
    prints = CodeFingerprint(
        "region.py", NOISE, WINDOW, boilerplate, language=LANGUAGE, fp=io.StringIO(region.text)
    )
    return prints if prints.hashes else None
