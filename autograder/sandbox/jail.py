"""Shut a sandbox job into a fresh root that holds only what it needs, then run it.

Usage (as root, as the first process of fresh mount, PID, network, IPC and UTS
namespaces, which `unshare` makes):

    python -I jail.py --job JOB_DIR --root EMPTY_DIR --uid UID [--show PATH ...] -- COMMAND

The job sees an allowlist, never the host's file system with parts hidden:
- a new root, a small tmpfs on EMPTY_DIR, read-only once built;
- every --show path (the Python installation, the system libraries it loads), bound
  read-only at its own path, with the symbolic links on the way to it recreated;
- /dev/null and /dev/urandom;
- /tmp/job: a tmpfs of JOB_SIZE holding a copy of JOB_DIR (the runner and the student's
  package), the only place it can write.
After pivot_root the host's file system is detached: nothing else of it exists for the
job, and nothing the job writes outlives it (the tmpfs goes with the namespace).
COMMAND then runs in /tmp/job as UID (no groups, no capabilities, no new privileges);
this process stays as the namespace's init, reaps every orphan and exits with the
command's status (128 + N if signal N killed it). When it exits, the kernel kills
whatever is left in the namespace.

Standard library only: this file runs before the student's code exists in the process tree.
"""

import argparse
import ctypes
import os
import platform
import shutil
import socket
import sys

INSIDE = "/tmp/job"
JOB_SIZE = "256m"
ROOT_SIZE = "8m"
DEVICES = {"/dev/null": 0, "/dev/urandom": 1}  # each with its MS_RDONLY (or not)
MAX_LINKS = 40
# mount(2), umount2(2) and prctl(2) flags, from <sys/mount.h> and <linux/prctl.h>.
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # syscall numbers: glibc has no wrapper
LIBC = ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    """mount(2) itself: a system call, where the mount(8) program would be a process each."""
    encoded = [None if text is None else text.encode() for text in (source, target, fstype, data)]
    source_bytes, target_bytes, fstype_bytes, data_bytes = encoded
    check(
        LIBC.mount(source_bytes, target_bytes, fstype_bytes, ctypes.c_ulong(flags), data_bytes),
        f"mount {source} on {target}",
    )


def bind(source: str, target: str, flags: int) -> None:
    """Bind source (a file or directory) onto target, then remount it with flags."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC, None)
    mount(None, target, None, MS_BIND | MS_REMOUNT | flags, None)


def show(path: str, root: str, shown: list[str]) -> None:
    """Make path reachable under root as on the host: the symbolic links on the way
    recreated, the file or directory it ends at bound read-only (once)."""
    for _ in range(MAX_LINKS):
        current, parts = "/", [part for part in path.split("/") if part]
        for index, part in enumerate(parts):
            host = os.path.join(current, part)
            if os.path.islink(host):
                place = root + host
                if not os.path.lexists(place):
                    os.makedirs(os.path.dirname(place), exist_ok=True)
                    os.symlink(os.readlink(host), place)
                rest = parts[index + 1 :]
                path = os.path.normpath(os.path.join(current, os.readlink(host), *rest))
                break
            current = host
        else:
            if os.path.exists(current) and not any(
                current == done or current.startswith(done + "/") for done in shown
            ):
                bind(current, root + current, MS_RDONLY | MS_NOSUID | MS_NODEV)
                shown.append(current)
            return
    raise OSError(f"too many symbolic links on the way to {path}")


def build_root(root: str, job_dir: str, uid: int, paths: list[str]) -> None:
    """Lay out the new root on root (see the module's docstring)."""
    mount("sandbox-root", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={ROOT_SIZE},mode=755")
    shown: list[str] = []
    for path in sorted(paths, key=lambda p: (not os.path.isdir(p), p)):  # directories first
        show(os.path.abspath(path), root, shown)
    for device, read_only in DEVICES.items():
        bind(device, root + device, MS_NOSUID | MS_NOEXEC | read_only * MS_RDONLY)
    job = root + INSIDE
    os.makedirs(job, mode=0o755)
    mount("sandbox-job", job, "tmpfs", MS_NOSUID | MS_NODEV, f"size={JOB_SIZE},mode=700")
    shutil.copytree(job_dir, job, symlinks=True, dirs_exist_ok=True, ignore=outside(root))
    for top, folders, files in os.walk(job):
        for name in [top, *(os.path.join(top, entry) for entry in folders + files)]:
            os.chown(name, uid, uid, follow_symlinks=False)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def outside(root: str):
    """A copytree ignore function that leaves root out (when it lies in the copied folder)."""

    def ignored(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if os.path.join(folder, name) == root]

    return ignored


def enter(root: str) -> None:
    """Make root the file system's root and detach the host's (pivot_root(".", "."))."""
    os.chdir(root)
    number = PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root's system call number on {platform.machine()} is not known")
    check(LIBC.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    check(LIBC.umount2(b".", MNT_DETACH), "umount2 of the host's root")
    os.chdir("/")


def run_as(uid: int, command: list[str]) -> int:
    """Run command in INSIDE as uid; wait for it, reaping orphans; its exit status."""
    child = os.fork()
    if child == 0:
        try:  # in the child: nothing may return from here
            os.chdir(INSIDE)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
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
    parser.add_argument("--root", required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--show", action="append", default=[])
    parser.add_argument("command", nargs="+")
    arguments = parser.parse_args()
    build_root(arguments.root, arguments.job, arguments.uid, arguments.show)
    enter(arguments.root)
    socket.sethostname("sandbox")
    sys.exit(run_as(arguments.uid, arguments.command))


if __name__ == "__main__":
    main()
