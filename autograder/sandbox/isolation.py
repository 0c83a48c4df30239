"""How far this machine lets the sandbox shut student code in, and the command that does it.

Three levels, the best one that works is probed once per process:
- "jail" (root, with `unshare`): fresh network, mount and PID namespaces; the
  course, the grader's outputs and the instructor files hidden; private /tmp; the
  code runs as an unprivileged user of its own (see jail.py);
- "network" (`unshare --net` works, e.g. through user namespaces): no network, but
  the student's code runs as the grader's user and can read what it can read;
- "none": only the resource limits apply.
Anything short of "jail" is said once, as a warning, so the log shows it.
"""

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.paths import REPO

HERE = Path(__file__).resolve().parent
JAIL = HERE / "jail.py"
INSIDE = Path("/tmp/job")  # where the jail shows the job directory
NAMESPACES = [
    "unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
    "--propagation", "private", "--",
]  # fmt: skip
# Each grading process runs its sandboxes as its own user id, so one submission's
# processes never count against another's process limit.
UID_BASE = 100_000


def sandbox_uid() -> int:
    return UID_BASE + os.getpid()


def hidden_directories(roots: list[Path], keep: list[Path]) -> list[Path]:
    """The directories to cover so nothing under roots stays visible but what keep needs.

    Inputs:
    - roots: Directories whose contents the student's code must not see
    - keep: Paths that must stay reachable (the Python environment)

    Returns:
    - Directories, none inside another, ordered for mounting
    """
    keep = [path.resolve() for path in keep]

    def cover(directory: Path) -> list[Path]:
        if any(directory.is_relative_to(path) for path in keep):
            return []
        if not any(path.is_relative_to(directory) for path in keep):
            return [directory]
        return [
            hidden
            for child in sorted(directory.iterdir())
            if child.is_dir() and not child.is_symlink()
            for hidden in cover(child)
        ]

    found = []
    for root in sorted({Path(root).resolve() for root in roots}):
        if root.is_dir() and not any(root.is_relative_to(done) for done in found):
            found.extend(cover(root))
    return found


def jail_command(job_dir: Path, private_roots: list[Path]) -> list[str]:
    """The prefix that runs a command shut in with job_dir, hiding REPO and private_roots."""
    hidden = hidden_directories([REPO, *private_roots], keep=[Path(sys.prefix)])
    hide = [argument for path in hidden for argument in ("--hide", str(path))]
    python = {Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent}
    reveal = [argument for path in sorted(python) for argument in ("--reveal", str(path))]
    return [
        *NAMESPACES,
        sys.executable, "-I", str(JAIL), "--job", str(job_dir), "--uid", str(sandbox_uid()),
        *reveal, *hide, "--",
    ]  # fmt: skip


def hand_over(job_dir: Path) -> None:
    """Make the job directory the sandbox user's own (and nobody else's)."""
    uid = sandbox_uid()
    os.chown(job_dir, uid, uid)
    job_dir.chmod(0o700)
    for top, folders, files in os.walk(job_dir):
        for name in folders + files:
            os.chown(os.path.join(top, name), uid, uid, follow_symlinks=False)


def works(command: list[str], cwd: Path | None = None) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, check=False, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def level() -> str:
    """"jail", "network" or "none": the strongest isolation this machine allows."""
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("mount"):
        probe = Path(tempfile.mkdtemp(prefix="jail-probe-"))
        try:
            hand_over(probe)
            command = [*jail_command(probe, []), sys.executable, "-I", "-c", "import numpy"]
            if works(command):
                return "jail"
        finally:
            shutil.rmtree(probe, ignore_errors=True)
    if works(["unshare", "--net", "--", "true"]):
        print(
            "warning: sandbox without file-system isolation (needs root and `unshare`): "
            "student code can read what the grader's user can read"
        )
        return "network"
    print(
        "warning: sandbox without network or file-system isolation (`unshare` is not "
        "available): student code runs with the grader's user and network"
    )
    return "none"


def sandbox_command(job_dir: Path, private_roots: list[Path]) -> tuple[list[str], Path]:
    """The command that runs the job's runner, and the job directory as the runner sees it.

    Inputs:
    - job_dir: A prepared job directory
    - private_roots: Directories to hide besides the kit's own (the grader's outputs)

    Returns a tuple of:
    - command: The argument list for subprocess
    - inside: Where the job directory appears to the runner
    """
    where = level()
    if where == "jail":
        hand_over(job_dir)
        prefix, inside = jail_command(job_dir, private_roots), INSIDE
    else:
        prefix, inside = (["unshare", "--net", "--"] if where == "network" else []), job_dir
    return [*prefix, sys.executable, "-I", str(inside / "runner.py"), str(inside)], inside
