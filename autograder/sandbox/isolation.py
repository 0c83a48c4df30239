"""How far this machine lets the sandbox shut student code in, and the command that does it.

The best level that works is probed once per process:
- "jail" (root, with `unshare`): fresh network, mount, PID, IPC and UTS namespaces; a
  new root that holds only the Python installation (read-only: python_paths), /dev/null,
  /dev/urandom and a size-capped private copy of the job; the code runs as an
  unprivileged user of its own (see jail.py);
- "user" (root without namespaces, e.g. a Docker container such as Gradescope's):
  the code runs as its own user; the instructor folders and the grader's outputs
  are made unreadable to other users (chmod go-rwx); the network, /tmp and System V
  IPC stay shared with the machine;
- "network" (`unshare --net` works, e.g. through user namespaces): no network, but
  the student's code runs as the grader's user and can read what it can read;
- "none": only the resource limits apply.
Anything short of "jail" is said once, as a warning, so the log shows it. At every level
the student's code reaches the grader only through the job's channel (channel.py), and
no reference code or output is in the sandbox.
"""

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import REPO

HERE = Path(__file__).resolve().parent
JAIL = HERE / "jail.py"
INSIDE = Path("/tmp/job")  # where the jail shows the job directory
ROOT = ".root"  # the empty folder of a job directory that the jail builds its new root on
NAMESPACES = [
    "unshare", "--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
    "--propagation", "private", "--",
]  # fmt: skip
# Each grading process runs its sandboxes as its own user id, so one submission's
# processes never count against another's process limit.
UID_BASE = 100_000
# What the sandbox's Python loads: the runner's own modules, numpy's, and ctypes'.
LIBRARY_PROBE = (
    "import ctypes, hashlib, json, socket, struct, traceback, zlib; "
    "import numpy, numpy.fft, numpy.linalg, numpy.random; "
    "print('\\n'.join(line.split()[5] for line in open('/proc/self/maps') "
    "if len(line.split()) > 5 and line.split()[5].startswith('/')))"
)
LOADED = re.compile(r"calling init: (/\S+)")


def sandbox_uid() -> int:
    return UID_BASE + os.getpid()


def hidden_directories(roots: list[Path], keep: list[Path]) -> list[Path]:
    """The directories to close so nothing under roots stays open but what keep needs.

    Inputs:
    - roots: Directories whose contents the student's code must not see
    - keep: Paths that must stay reachable (the Python environment, the job)

    Returns:
    - Directories, none inside another, ordered
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


@functools.cache
def python_paths() -> tuple[str, ...]:
    """Every path the sandbox's Python needs: its executable, its environment's pyvenv.cfg,
    the standard library folders of the environment and of the Python it was made from
    (not their whole prefixes: a system Python's is /usr), the environment's site-packages
    (and the base Python's only if pyvenv.cfg includes them), and the files its
    loader opened (libraries, by the names it looked them up under) in a probe."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", LIBRARY_PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "LD_DEBUG": "libs"},
    )
    loaded = LOADED.findall(done.stderr) + done.stdout.split()
    config = Path(sys.prefix) / "pyvenv.cfg"
    folders = set()
    for base in (sys.prefix, sys.base_prefix):
        layout = sysconfig.get_paths(vars={"base": base, "platbase": base})
        kinds = ["stdlib", "platstdlib"]
        if base == sys.prefix or system_site_packages(config):
            kinds += ["purelib", "platlib"]
        folders |= {layout[kind] for kind in kinds}
    files = {sys.executable, *loaded, *([str(config)] if config.is_file() else [])}
    return tuple(sorted(path for path in folders | files if os.path.exists(path)))


def system_site_packages(config: Path) -> bool:
    """Whether a venv's pyvenv.cfg says include-system-site-packages = true (False if
    there is no venv: then sys.prefix is the base Python's own)."""
    if not config.is_file():
        return False
    for line in config.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() == "include-system-site-packages":
            return value.strip().lower() == "true"
    return False


def jail_command(job_dir: Path) -> list[str]:
    """The prefix that runs a command in the jail with a copy of job_dir (see jail.py)."""
    show = [argument for path in python_paths() for argument in ("--show", path)]
    root = job_dir / ROOT
    root.mkdir(exist_ok=True)
    return [
        *NAMESPACES,
        sys.executable, "-I", str(JAIL), "--job", str(job_dir), "--root", str(root),
        "--uid", str(sandbox_uid()), *show, "--",
    ]  # fmt: skip


def hand_over(job_dir: Path) -> None:
    """Make the job directory the sandbox user's own (and nobody else's)."""
    uid = sandbox_uid()
    os.chown(job_dir, uid, uid)
    job_dir.chmod(0o700)
    for top, folders, files in os.walk(job_dir):
        for name in folders + files:
            os.chown(os.path.join(top, name), uid, uid, follow_symlinks=False)


PYTHON_STARTS = [sys.executable, "-I", "-c", "import numpy"]


def works(command: list[str], **options) -> bool:
    """Whether command exits with 0 (options go to subprocess.run)."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, check=False, **options)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def jail_works(probe: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        command = jail_command(probe)
    except (OSError, subprocess.SubprocessError):
        return False
    return works([*command, *PYTHON_STARTS])


def user_works(probe: Path) -> bool:
    uid = sandbox_uid()
    return works(PYTHON_STARTS, cwd=probe, user=uid, group=uid, extra_groups=[])


@functools.cache
def level() -> str:
    """ "jail", "user", "network" or "none": the strongest isolation this machine allows."""
    if os.geteuid() == 0:
        probe = Path(tempfile.mkdtemp(prefix="sandbox-probe-"))
        try:
            hand_over(probe)
            if jail_works(probe):
                return "jail"
            if user_works(probe):
                print(
                    "warning: sandbox without namespaces (`unshare` refused): student code "
                    "runs as its own user, with the network of the machine"
                )
                return "user"
        finally:
            shutil.rmtree(probe, ignore_errors=True)
    if works(["unshare", "--net", "--", "true"]):
        print(
            "warning: sandbox without file-system isolation (needs root): "
            "student code can read what the grader's user can read"
        )
        return "network"
    print(
        "warning: sandbox without network or file-system isolation (`unshare` is not "
        "available): student code runs with the grader's user and network"
    )
    return "none"


def close_to_others(job_dir: Path, private_roots: list[Path]) -> None:
    """Without a jail: make the private folders unreadable by other users, and the
    job directory reachable by the sandbox user (its ancestors traversable only)."""
    keep = [Path(sys.prefix), job_dir]
    for directory in hidden_directories([REPO, *private_roots], keep):
        directory.chmod(directory.stat().st_mode & 0o700)
    for ancestor in job_dir.resolve().parents:
        mode = ancestor.stat().st_mode
        if not mode & 0o001:
            ancestor.chmod(mode | 0o001)


@dataclass(frozen=True)
class Launch:
    """How to start one sandbox job.

    - command: The argument list for subprocess
    - inside: Where the job directory appears to the runner
    - user: The user id to run as (None: the grader's own, or the jail switches)
    """

    command: list[str]
    inside: Path
    user: int | None = None


def runner(inside: Path, channel: int) -> list[str]:
    return [sys.executable, "-I", str(inside / "runner.py"), str(inside), str(channel)]


def sandbox_launch(job_dir: Path, private_roots: list[Path], channel: int) -> Launch:
    """How to run the job's runner at the strongest level this machine allows.

    Inputs:
    - job_dir: A prepared job directory
    - private_roots: Directories to close besides the kit's own (the grader's outputs),
      where there is no jail to leave them out
    - channel: The file descriptor of the sandbox's end of the channel (inherited)
    """
    where = level()
    if where == "jail":
        return Launch([*jail_command(job_dir), *runner(INSIDE, channel)], INSIDE)
    if where == "user":
        hand_over(job_dir)
        close_to_others(job_dir, private_roots)
        return Launch(runner(job_dir, channel), job_dir, sandbox_uid())
    prefix = ["unshare", "--net", "--"] if where == "network" else []
    return Launch([*prefix, *runner(job_dir, channel)], job_dir)
