"""Shut a sandbox job in, then run it as an unprivileged user.

Usage (as root, as the first process of fresh mount, PID and network namespaces,
which `unshare` makes):

    python -I jail.py --job JOB_DIR --uid UID [--hide DIR ...] [--reveal DIR ...] -- COMMAND

Before COMMAND runs, the namespace's view of the file system changes:
- every --hide directory is covered by an empty, read-only tmpfs (the course, the
  grader's outputs, the instructor sources, the reference solution);
- /tmp, /var/tmp and /dev/shm are fresh, private, size-limited tmpfs;
- every --reveal directory (the Python installation) stays reachable, even where
  the private /tmp covered it or an ancestor is closed to other users (e.g. under
  /root: that ancestor is covered by a tmpfs holding only the path down to it);
- JOB_DIR appears as /tmp/job, the only place where a write outlives the job.
COMMAND then runs in /tmp/job as UID (no groups, no capabilities); this process
stays behind as the namespace's init, reaps every orphan, and exits with the
command's status (128 + N if signal N killed it). When it exits, the kernel kills
whatever is left in the namespace.

Standard library only: this file is copied into nothing and imports nothing of the
grader; it runs before the student's code exists in the process tree.
"""

import argparse
import ctypes
import os
import sys

INSIDE = "/tmp/job"
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
PRIVATE_TMP_SIZE = "64m"
MS_RDONLY = 1  # mount(2) flags, from <sys/mount.h>
MS_BIND = 4096
LIBC = ctypes.CDLL(None, use_errno=True)


def mount(source: str, target: str, fstype: str | None, flags: int, options: str | None) -> None:
    """mount(2) itself: a system call, where the mount(8) program would be a process each."""
    arguments = [None if text is None else text.encode() for text in (source, target, fstype)]
    data = None if options is None else options.encode()
    if LIBC.mount(*arguments, ctypes.c_ulong(flags), data) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"mount {source} on {target}: {os.strerror(number)}")


def tmpfs(name: str, target: str, options: str, read_only: bool = False) -> None:
    """Mount a fresh tmpfs (named name in /proc/mounts) on target."""
    mount(name, target, "tmpfs", MS_RDONLY if read_only else 0, options)


def bind_open_directory(directory: int, target: str) -> None:
    """Bind-mount an open directory (one that a mount may have covered) onto target."""
    os.makedirs(target, mode=0o755, exist_ok=True)
    mount(f"/proc/{os.getpid()}/fd/{directory}", target, None, MS_BIND, None)
    os.close(directory)


def closed_ancestor(path: str) -> str | None:
    """The highest existing ancestor of path that other users may not enter."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    for depth in range(1, len(parts)):
        ancestor = "/" + "/".join(parts[:depth])
        try:
            if not os.stat(ancestor).st_mode & 0o001:
                return ancestor
        except FileNotFoundError:
            return None
    return None


def reveal(path: str, directory: int) -> None:
    """Make path show the open directory again, reachable for other users, wherever a
    mount covered it or an ancestor is closed to them."""
    try:
        shown, kept = os.stat(path), os.fstat(directory)
        intact = (shown.st_dev, shown.st_ino) == (kept.st_dev, kept.st_ino)
    except FileNotFoundError:
        intact = False
    closed = closed_ancestor(path)
    if intact and closed is None:
        os.close(directory)
        return
    if closed is not None:
        tmpfs("reveal", closed, "size=4k,mode=755")
    bind_open_directory(directory, path)


def shut_in(job_dir: str, hidden: list[str], revealed: list[str]) -> None:
    """Hide directories, give the job private temporary space, keep the revealed ones
    (the Python installation) reachable, and show the job at /tmp/job."""
    job = os.open(job_dir, os.O_RDONLY | os.O_DIRECTORY)  # kept reachable under the mounts
    kept = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in revealed}
    for directory in hidden:
        if os.path.isdir(directory):
            tmpfs("hidden", directory, "size=4k,mode=000", read_only=True)
    for directory in PRIVATE_TMP:
        if os.path.isdir(directory):
            tmpfs("private", directory, f"size={PRIVATE_TMP_SIZE},mode=1777")
    for path, directory in kept.items():
        reveal(path, directory)
    bind_open_directory(job, INSIDE)


def run_as(uid: int, command: list[str]) -> int:
    """Run command in INSIDE as uid; wait for it, reaping orphans; its exit status."""
    child = os.fork()
    if child == 0:
        try:  # in the child: nothing may return from here
            os.chdir(INSIDE)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.execv(command[0], command)
        except OSError as error:
            os.write(2, f"jail: cannot run {command[0]}: {error}\n".encode())
        os._exit(127)
    while True:
        pid, status = os.wait()
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--reveal", action="append", default=[])
    parser.add_argument("command", nargs="+")
    arguments = parser.parse_args()
    shut_in(arguments.job, arguments.hide, arguments.reveal)
    sys.exit(run_as(arguments.uid, arguments.command))


if __name__ == "__main__":
    main()
