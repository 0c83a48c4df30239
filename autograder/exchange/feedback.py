"""`nbgrader generate_feedback` in a kit course writes the kit's feedback page.

nbgrader's feedback is its HTML export of each autograded notebook: the student's own
notebook with the grade cells' outputs, which says nothing of what the hidden checks
found. KitFeedback (the course's `GenerateFeedback.exporter_class`) writes instead, as
each notebook's feedback file, the student's page of `make grade` (report.feedback_html:
every item with what the hidden checks found, the inline questions' grades and the TA's
comments, lateness, the leaderboard; everything from a submission or a TA escaped), made
from the gradebook as it is when the command runs. So `nbgrader release_feedback` and a
student's `nbgrader fetch_feedback` (or the Assignment List's button) carry the kit's page.
"""

from pathlib import Path

from nbconvert.exporters import Exporter
from traitlets import Unicode, default

from autograder.course.records import course_records
from autograder.reports.report import feedback_html


class KitFeedback(Exporter):
    """An nbconvert exporter whose output, for any notebook, is the student's page."""

    course_root = Unicode(help="The course directory (absolute); OUT is its parent").tag(
        config=True
    )
    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    def from_notebook_node(self, nb, resources: dict | None = None, **kw) -> tuple[str, dict]:
        """The feedback page of the student whose notebook nb is (nbgrader's resources)."""
        _, resources = super().from_notebook_node(nb, resources, **kw)
        if not self.course_root:
            raise ValueError("KitFeedback.course_root is not set; refusing to write feedback")
        student = resources["nbgrader"]["student"]
        records, max_total = course_records(Path(self.course_root).parent, only=student)
        if not records:
            raise ValueError(f"the gradebook holds no submission of {student}")
        return feedback_html(records[0], max_total), resources
