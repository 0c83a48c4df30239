"""An nbgrader course directory built from the instructor sources.

nbgrader reads its configuration from the current directory unless told
otherwise, and silently works on an empty gradebook when run from elsewhere, so
every course here is configured explicitly, with absolute paths.
"""

import os
import shutil
import sysconfig
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from autograder.paths import NOTEBOOKS, SOURCE

ASSIGNMENT = "captioning"

# nbgrader runs the `alembic` command by name when it opens a gradebook: put the
# scripts of the environment nbgrader is installed in first on PATH.
os.environ["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])


def nbgrader_config(root: Path) -> Config:
    """nbgrader configuration of the course rooted at `root` (absolute paths only)."""
    config = Config()
    config.CourseDirectory.root = str(Path(root).resolve())
    config.CourseDirectory.db_url = f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"
    config.NbGraderAPI.log_level = "WARN"
    return config


def generate_student_notebooks(root: Path) -> dict[str, str]:
    """Run nbgrader's generate_assignment on the source notebooks.

    Inputs:
    - root: Empty directory to hold the course (source/, release/, gradebook.db)

    Returns:
    - Map from notebook file name to the text of its student version
    """
    source = Path(root) / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        shutil.copy(SOURCE / "notebooks" / name, source / name)
    api = NbGraderAPI(config=nbgrader_config(root))
    result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('error', '')}")
    release = Path(root) / "release" / ASSIGNMENT
    return {name: (release / name).read_text() for name in NOTEBOOKS}
