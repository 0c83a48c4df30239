"""The nbgrader step that puts the grader's verdicts into the grade cells.

It replaces nbgrader's Execute step in the autograde pipeline: the student's
notebook is never run in a kernel for grading (student code shares that kernel
with the tests, so nothing judged there could be trusted). Instead each
autograded grade cell gets outputs that nbgrader's own SaveAutoGrades turns into
exactly the trusted score: an error output for 0, a numeric result for partial
credit, plain text for full marks.
"""

import json
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

FAILED = "HiddenCheckFailed"


def verdict_outputs(score: float, max_score: float, message: str) -> list[NotebookNode]:
    """Cell outputs that nbgrader scores as score out of max_score."""
    text = f"{score:g} / {max_score:g} points: {message}\n"
    outputs = [new_output("stream", name="stdout", text=text)]
    if score <= 0:
        outputs.append(new_output("error", ename=FAILED, evalue=message, traceback=[]))
    elif score < max_score:
        outputs.append(
            new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=1)
        )
    return outputs


class TrustedVerdicts(NbGraderPreprocessor):
    """Write the verdicts of verdicts_dir/<student>.json into the grade cells."""

    verdicts_dir = Unicode(help="Directory of <student_id>.json verdict files").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        student = resources["nbgrader"]["student"]
        path = Path(self.verdicts_dir) / f"{student}.json"
        self.verdicts = json.loads(path.read_text())
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        grading = cell.metadata.get("nbgrader", {})
        verdict = self.verdicts.get(grading.get("grade_id"))
        if cell.cell_type == "code" and grading.get("grade") and verdict is not None:
            cell.outputs = verdict_outputs(verdict["score"], grading["points"], verdict["message"])
        return cell, resources
