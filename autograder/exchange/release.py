"""`nbgrader release_assignment` in a kit course refuses a release without the package.

The course that `make grade` writes releases the two notebooks alone until `make hub` has
put the student package beside them (hub.py): students who fetched that could run
nothing. KitRelease (the course's `ExchangeFactory.release_assignment`) is nbgrader's
release, which first checks that the folder holds `cs231n/`, and else fails with the
command that fixes it.
"""

from pathlib import Path

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

from autograder.hints import make_command


class KitRelease(ExchangeReleaseAssignment):
    """nbgrader's release_assignment, refusing a release without the student package."""

    def init_src(self) -> None:
        super().init_src()
        if not (Path(self.src_path) / "cs231n").is_dir():
            out = Path(self.coursedir.root).resolve().parent
            self.fail(
                f"{self.src_path} holds the notebooks but not the student package: "
                f"`{make_command('hub', OUT=out)}` puts it there (and keeps it)"
            )
