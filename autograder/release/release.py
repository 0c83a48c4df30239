"""Generate the student-facing files from the instructor sources (`make release`).

The student modules are the instructor modules with every solution region stubbed;
the student notebooks are what nbgrader's generate_assignment makes of the source
notebooks; cs231n/known_mistakes.json holds what the grader's classic mistakes give on
the public checks' inputs (release/fingerprints.py). `check_release` regenerates
everything in a scratch directory and reports the files that are stale.
"""

import tempfile
from pathlib import Path

from autograder.course.course import build_course
from autograder.paths import REPO, SOURCE, STUDENT_MODULES
from autograder.release.fingerprints import known_mistakes_json
from autograder.release.stubs import generated_header, make_stub

KNOWN_MISTAKES = "cs231n/known_mistakes.json"


def student_module_text(relative: str) -> str:
    """The student version of one instructor module.

    Inputs:
    - relative: Path of the module inside the package tree, e.g. "cs231n/rnn_layers.py"

    Returns:
    - The text of the student file, header included
    """
    return generated_header(relative) + make_stub((SOURCE / relative).read_text())


def expected_student_files() -> dict[Path, str]:
    """Every generated student file and the text it must have."""
    expected = {REPO / relative: student_module_text(relative) for relative in STUDENT_MODULES}
    expected[REPO / KNOWN_MISTAKES] = known_mistakes_json()
    with tempfile.TemporaryDirectory() as course:
        for name, text in build_course(Path(course)).items():
            expected[REPO / "notebooks" / name] = text
    return expected


def write_release() -> list[Path]:
    """Regenerate every student file; returns the paths written."""
    written = []
    for path, text in expected_student_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def check_release() -> list[str]:
    """Names of the student files that differ from what the sources generate."""
    return [
        str(path.relative_to(REPO))
        for path, text in expected_student_files().items()
        if not path.exists() or path.read_text() != text
    ]
