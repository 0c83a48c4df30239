"""Repair what students do to nbgrader's cells before nbgrader checks them.

A Jupyter copy and paste keeps a cell's nbgrader metadata, students re-type cells
(markdown to code), edit or break the metadata, or change a cell's id. nbgrader
then refuses the whole notebook ("Notebook failed to validate") or grades the
wrong copy. The notebooks only hold the inline answers (the autograded items are
judged from the modules), so a repair can only change what the TA grades by hand;
every repair is said, in the student's feedback and in nbgrader's log.

Against the release copy of the notebook:
- every cell that names a release cell keeps exactly the release's nbgrader
  metadata (points, flags, schema) and its cell type;
- of several cells with one id (copies) the first one whose text differs from the
  release is graded, the others become ordinary cells (still shown to the TA);
- an answer cell whose id names no release cell takes the id of the one missing
  answer cell of its type if there is exactly one; any other cell with nbgrader
  metadata that names no release cell becomes an ordinary cell;
- repeated cell ids (nbformat's own `id` field) are renewed.
"""

import copy
import uuid
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder.intake.inert_notebook import inert_notebook
from autograder.plain_text import plain

FLAGS = ("grade", "solution", "locked", "task", "points", "schema_version")


def _grade_id(cell: NotebookNode) -> str | None:
    meta = cell.metadata.get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _flags(meta: dict) -> dict:
    """The nbgrader metadata that decides how a cell is graded."""
    return {key: meta.get(key) for key in FLAGS}


def _retyped(cell: NotebookNode, cell_type: str) -> NotebookNode:
    """The cell as a cell of cell_type, with its source, metadata and id."""
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    new = make(source=cell.source, metadata=cell.metadata)
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def repair_notebook(nb: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The notebook with its nbgrader cells made consistent with the release.

    Inputs:
    - nb: The student's notebook (changed in place)
    - release: The release copy of the same notebook

    Returns:
    - The repaired notebook, and one sentence per repair (empty if none was needed)
    """
    reference = {_grade_id(c): c for c in release.cells if _grade_id(c) is not None}
    notes = []
    places: dict[str, list[int]] = {}
    strangers = []
    for index, cell in enumerate(nb.cells):
        if "nbgrader" not in cell.metadata:
            continue
        grade_id = _grade_id(cell)
        if grade_id in reference:
            places.setdefault(grade_id, []).append(index)
        else:
            strangers.append(index)
    for grade_id, indices in places.items():
        if len(indices) > 1:
            original = reference[grade_id].source.strip()
            answered = [i for i in indices if nb.cells[i].source.strip() != original]
            keep = (answered or indices)[0]
            for index in indices:
                if index != keep:
                    del nb.cells[index].metadata["nbgrader"]
            notes.append(
                f"cell `{grade_id}` appears {len(indices)} times (a copied cell); cell "
                f"{keep + 1} is graded, the other copies are kept as ordinary cells"
            )
            places[grade_id] = [keep]
    missing = [grade_id for grade_id in reference if grade_id not in places]
    for index in strangers:
        cell = nb.cells[index]
        meta = cell.metadata["nbgrader"]
        answer = isinstance(meta, dict) and meta.get("solution")
        fits = [
            grade_id
            for grade_id in missing
            if answer
            and reference[grade_id].cell_type == cell.cell_type
            and reference[grade_id].metadata["nbgrader"].get("solution")
        ]
        if len(fits) == 1:
            notes.append(
                f"cell {index + 1} had its nbgrader id changed; it is graded as `{fits[0]}`"
            )
            places[fits[0]] = [index]
            missing.remove(fits[0])
        else:
            del cell.metadata["nbgrader"]
            notes.append(
                f"cell {index + 1} carried nbgrader metadata that matches no cell of the "
                "assignment; it is kept as an ordinary cell"
            )
    for grade_id, (index,) in places.items():
        cell, source_cell = nb.cells[index], reference[grade_id]
        wanted = source_cell.metadata["nbgrader"]
        if _grade_id(cell) == grade_id and _flags(cell.metadata["nbgrader"]) != _flags(wanted):
            notes.append(f"cell `{grade_id}` had changed nbgrader metadata; it was restored")
        cell.metadata["nbgrader"] = copy.deepcopy(wanted)
        if cell.cell_type != source_cell.cell_type:
            notes.append(
                f"cell `{grade_id}` was changed from {source_cell.cell_type} to "
                f"{cell.cell_type}; it was changed back"
            )
            nb.cells[index] = _retyped(cell, source_cell.cell_type)
    seen = set()
    for cell in nb.cells:
        if "id" in cell:
            if cell["id"] in seen:
                cell["id"] = uuid.uuid4().hex[:12]
            seen.add(cell["id"])
    return nb, notes


def preview_sanitize(student_nb: bytes, release_path: Path) -> tuple[list[str], str | None]:
    """What the course's sanitize steps change in a student's notebook (inert_notebook,
    repair_notebook, inert_notebook again for the cells a repair retyped), for the
    feedback, and why nbgrader would still refuse it (None if it would take it)."""
    try:
        nb = nbformat.reads(student_nb.decode("utf-8"), as_version=4)
        notes = inert_notebook(nb)
        nb, repairs = repair_notebook(nb, nbformat.read(release_path, as_version=4))
        notes += repairs + inert_notebook(nb)
        MetadataValidator().validate_nb(nb)
    except Exception as error:  # noqa: BLE001 - whatever breaks, nbgrader would break too
        return [], plain(f"{type(error).__name__}: {error}", 200)
    return notes, None


class RepairCells(NbGraderPreprocessor):
    """nbgrader sanitize step: repair_notebook against the course's release copy."""

    release_dir = Unicode(help="The assignment's folder of release notebooks").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        name = resources["nbgrader"]["notebook"] + ".ipynb"
        release = nbformat.read(Path(self.release_dir) / name, as_version=4)
        nb, notes = repair_notebook(nb, release)
        for note in notes:
            self.log.warning("%s: %s", name, note)
        return nb, resources
