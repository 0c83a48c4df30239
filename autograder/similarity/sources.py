"""What is compared: the class's submissions and the instructor's public solutions.

Submissions come in through the grader's own intake (zips and folders as an LMS
exports them); a reference folder is any folder tree of Python files, such as
cloned public repositories, from which every file defining a TODO function is taken.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.intake.intake import read_intake
from autograder.intake.submissions import read_submission
from autograder.paths import STUDENT_MODULES
from autograder.similarity.regions import Region, extract_regions, module_functions

MAX_REFERENCE_BYTES = 2 << 20


@dataclass(frozen=True)
class Document:
    """One side of a comparison.

    - name: the student id, or `folder/relative/path.py` for a reference file
    - regions: label -> Region, for every TODO function the document defines
    - is_reference: True for a public solution (compared with students only)
    """

    name: str
    regions: dict[str, Region]
    is_reference: bool = False


def read_student(entry: tuple[str, Path | dict[str, Path]]) -> tuple[Document, list[str]]:
    """The regions of one submission's student-edited modules.

    Inputs:
    - entry: (student_id, source) of an intake Entry (an archive, a folder, or uploaded files)

    Returns a tuple of:
    - the submission's Document
    - "student: problem" for what could not be read (a module, or the whole zip)
    """
    student_id, path = entry
    submission = read_submission(student_id, path)
    regions = {}
    for module in STUDENT_MODULES:
        data = submission.files.get(module)
        if data is not None:
            regions.update(extract_regions(data.decode("utf-8"), module_functions(module)))
    problems = [  # the notebooks are not compared
        f"{student_id}: {problem}"
        for problem in submission.problems
        if not problem.startswith("notebooks/")
    ]
    return Document(student_id, regions), problems


def read_students(folder: Path, map_function: Callable = map) -> tuple[list[Document], list[str]]:
    """Every submission of a folder, with the regions of its student-edited modules.

    Inputs:
    - folder: A submissions folder as grading reads it (`<student_id>.zip`, `<student_id>/`,
      or an LMS download)
    - map_function: map, or a process pool's map to read submissions in parallel

    Returns a tuple of:
    - documents: one per submission, sorted by student id
    - problems: "student: problem" for every module (or zip) that could not be used, and
      every file of the folder that is not a submission
    """
    intake = read_intake(folder)
    entries = [(entry.student_id, entry.source) for entry in intake.entries]  # sorted by id
    documents = []
    problems = [": ".join(item.shown()) for item in intake.not_graded if not item.junk]
    for document, found in map_function(read_student, entries):
        documents.append(document)
        problems += found
    return documents, problems


def read_references(folder: Path) -> tuple[list[Document], list[str]]:
    """Every Python file under a folder that defines at least one TODO function.

    Inputs:
    - folder: A folder of public solutions (any layout; symbolic links are not followed)

    Returns a tuple of:
    - documents: one per such file, named `<folder name>/<path in the folder>`
    - problems: files that were skipped, and why
    """
    documents, problems = [], []
    paths = [  # os.walk does not follow symbolic links to folders
        Path(top) / name for top, _, files in os.walk(folder) for name in files
    ]
    for path in sorted(p for p in paths if p.suffix == ".py"):
        name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        if path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size > MAX_REFERENCE_BYTES:
            problems.append(f"{name}: larger than {MAX_REFERENCE_BYTES >> 20} MB, skipped")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 text, skipped")
            continue
        regions = extract_regions(text)
        if regions:
            documents.append(Document(name, regions, is_reference=True))
    return documents, problems
