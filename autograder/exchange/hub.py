"""`make hub`: the course in OUT set up for nbgrader's exchange on a shared JupyterHub.

    python -m autograder hub --out OUT [--course-id ID] [--exchange DIR] [--shared-data DIR]

The course that `make grade` writes (OUT/course) releases, with `nbgrader
release_assignment captioning`, whatever its `release/captioning/` holds. This command
puts there what a student needs to run the notebooks, as the student zip holds it
(student_bundle.read_members, with the same refusals: a stray or stale file, an answer
line): the student package `cs231n/` with its stubs, the student kit's README, Makefile,
requirements and environment files, and `data/`'s README and download script; the
notebooks stay where nbgrader puts them, at the top of the folder. They go into the
course's `source/captioning/`, from which nbgrader's generate_assignment copies them to
the release, so every later `make grade` keeps them. The course id and the exchange
folder go into the instructor's part of OUT/course/nbgrader_config.py (config_file.py),
which every later run keeps. With --shared-data the dataset is copied, read-only for
everyone, to a folder the hub's users can read, and the command prints the line that
points the hub's notebook servers at it (CS231N_DATA_DIR); without it, students build
the dataset in their own folder (`make data`, under a minute).
"""

import os
import shutil
import stat
from pathlib import Path

from autograder.course.course import ASSIGNMENT, build_course, generate_assignment, write_config
from autograder.hints import make_command
from autograder.paths import DATA_DIR, NOTEBOOKS
from autograder.release.student_bundle import read_members
from autograder.usage import UsageError

COMPLETE = ".complete"  # a finished dataset holds it (the Makefile's DATA_STAMP)
READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
READ_ONLY_FOLDER = READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def package_files() -> dict[str, bytes]:
    """Every file of the student release but the notebooks: path -> content (raises
    student_bundle.BundleRefused, listing every problem, as `make student-bundle` does)."""
    return {m.name: m.data for m in read_members() if not m.name.startswith("notebooks/")}


def put_package(course: Path, files: dict[str, bytes]) -> bool:
    """Make the course's source/captioning/ hold the notebooks and exactly these files;
    returns whether anything changed."""
    source = Path(course) / "source" / ASSIGNMENT
    changed = False
    for path in sorted(source.rglob("*"), reverse=True):  # files first, then their folders
        name = path.relative_to(source).as_posix()
        if path.is_file() and name not in NOTEBOOKS and name not in files:
            path.unlink()
            changed = True
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for name, data in files.items():
        path = source / name
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed = True
    return changed


def check_share_target(target: Path) -> None:
    """Refuse (UsageError) a --shared-data folder that is neither new, nor empty, nor an
    earlier copy of the dataset (which holds its completion marker): replacing it would
    delete whatever it holds."""
    target = Path(target).resolve()
    if not target.exists() or (target / COMPLETE).is_file():
        return
    if target.is_dir() and not any(target.iterdir()):
        return
    raise UsageError(
        f"--shared-data {target} is not empty and holds no earlier copy of the dataset "
        f"(no {COMPLETE} in it): nothing was changed; give a new or empty folder, or "
        "remove this one yourself if it is not needed"
    )


def share_data(target: Path) -> Path:
    """Copy the built dataset to target, read-only for everyone, replacing an earlier copy
    there (check_share_target refuses anything else)."""
    if not (DATA_DIR / COMPLETE).is_file():
        raise FileNotFoundError(f"no built dataset in {DATA_DIR}: run `make data` first")
    check_share_target(target)
    target = Path(target).resolve()
    if target.exists():
        for folder, _, _ in os.walk(target):
            os.chmod(folder, READ_ONLY_FOLDER | stat.S_IWUSR)
        shutil.rmtree(target)
    shutil.copytree(DATA_DIR, target)
    for folder, _, files in os.walk(target, topdown=False):
        for name in files:
            os.chmod(Path(folder) / name, READ_ONLY_FILE)
        os.chmod(folder, READ_ONLY_FOLDER)
    return target


def set_up_hub(
    out: Path,
    course_id: str | None = None,
    exchange: Path | None = None,
    shared_data: Path | None = None,
) -> list[str]:
    """Set up OUT's course for the exchange (module docstring); returns what to do next.

    Inputs:
    - out: The course folder (OUT of `make grade`; created if new)
    - course_id: The course id students fetch from (kept in nbgrader_config.py)
    - exchange: The exchange folder (kept in nbgrader_config.py)
    - shared_data: Where to copy the dataset for every user of the hub, if anywhere

    Returns:
    - The lines to print: what the release holds and the next commands

    Raises UsageError, before anything is changed, for a shared_data folder that holds
    something other than an earlier copy of the dataset (check_share_target).
    """
    out = Path(out).resolve()
    course = out / "course"
    if shared_data:
        check_share_target(shared_data)  # before anything is changed
    files = package_files()
    build_course(course, private_roots=[out])
    if put_package(course, files) or not (course / "release" / ASSIGNMENT / "cs231n").is_dir():
        generate_assignment(course)
    settings = {}
    if course_id:
        settings[("CourseDirectory", "course_id")] = course_id
    if exchange:
        settings[("Exchange", "root")] = str(Path(exchange).resolve())
    write_config(course, [out], settings)
    release = sorted({name.split("/")[0] for name in files} | set(NOTEBOOKS))
    lines = [
        f"{course / 'release' / ASSIGNMENT}: {', '.join(release)}",
        f"your settings (course id, exchange folder, ...): {course / 'nbgrader_config.py'}",
    ]
    if shared_data:
        target = share_data(shared_data)
        lines += [
            f"the dataset, read-only for everyone: {target}; in jupyterhub_config.py:",
            f"    c.Spawner.environment = {{'CS231N_DATA_DIR': {str(target)!r}}}",
        ]
    else:
        lines.append("students build the dataset in their folder: make data (under a minute)")
    lines += [
        "next, on the hub:",
        f"    cd {course} && nbgrader release_assignment {ASSIGNMENT}",
        f"    nbgrader collect {ASSIGNMENT}          (in {course}: into {out / 'collected'})",
        f"    {make_command('grade', SUBMISSIONS=out / 'collected', OUT=out)}",
        f"    nbgrader generate_feedback {ASSIGNMENT} && nbgrader release_feedback {ASSIGNMENT}",
    ]
    return lines
