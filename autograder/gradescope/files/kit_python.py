"""Make the kit's Python at ENV_DIR for setup.sh; runs on any python3 from 3.6 on.

    python3 kit_python.py ENV_DIR CANDIDATE...

The first candidate on PATH that is Python 3.11, 3.12 or 3.13 (the versions every pinned
package has wheels for) and can make a venv gets a venv at ENV_DIR. If none can, as on
every Ubuntu image Gradescope offers today (18.04 ships Python 3.6, 20.04 3.8, 22.04 3.10,
and Ubuntu's venv module is a separate package), a pinned CPython build of the
python-build-standalone project (the builds uv installs) is downloaded, checked against
its SHA-256 and unpacked as ENV_DIR itself: a complete interpreter with pip, which needs
nothing from apt and runs on any x86-64 Linux with glibc 2.17 or newer.

KIT_PYTHON_URL and KIT_PYTHON_SHA256 (set both) fetch that archive from a copy of your
own instead, e.g. where the image cannot reach GitHub.
"""

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

# CPython 3.11.16, python-build-standalone release 20260814, x86-64 Linux (glibc).
# The SHA-256 is the one uv's download metadata lists for this archive.
PINNED_URL = (
    "https://github.com/astral-sh/python-build-standalone/releases/download/20260814/"
    "cpython-3.11.16%2B20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
)
PINNED_SHA256 = "3b437f08720d3ddd9c1904532476ec9fb373e800d1598c72c907dd6d5f29b79b"
SUPPORTED = "import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))"
CHUNK = 1 << 20


class Failure(Exception):
    """Why no environment could be made (one line)."""


def succeeds(command: list) -> bool:
    """Whether command exits with 0; its output is discarded."""
    try:
        return subprocess.call(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False


def venv_from(candidate: str, env_dir: str) -> bool:
    """Make a venv at env_dir from candidate if it is a supported Python that can."""
    python = shutil.which(candidate)
    if python is None or not succeeds([python, "-c", SUPPORTED]):
        return False
    if succeeds([python, "-m", "venv", env_dir]):
        print("kit_python: a venv of " + python)
        return True
    shutil.rmtree(env_dir, ignore_errors=True)
    return False


def download(url: str, sha256: str, path: str) -> None:
    """Save url to path; raise Failure unless its SHA-256 is sha256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=120) as response, open(path, "wb") as out:
            for block in iter(lambda: response.read(CHUNK), b""):
                digest.update(block)
                out.write(block)
    except OSError as error:  # URLError and socket timeouts are OSErrors
        reason = getattr(error, "reason", error)
        raise Failure(
            f"could not download {url} ({reason}); set KIT_PYTHON_URL and KIT_PYTHON_SHA256 "
            "to a copy you host"
        ) from None
    if digest.hexdigest() != sha256.lower():
        raise Failure(f"{url} has SHA-256 {digest.hexdigest()}, expected {sha256}: not used")


def unpack(archive: str, env_dir: str) -> None:
    """Unpack a python-build-standalone archive (its top folder is python/) as env_dir."""
    parent = os.path.dirname(os.path.abspath(env_dir))
    with tempfile.TemporaryDirectory(dir=parent) as scratch:
        try:
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.8.17+ backports
                    tar.extractall(scratch, filter="data")
                else:
                    tar.extractall(scratch)  # its SHA-256 was checked
        except (tarfile.TarError, OSError) as error:
            raise Failure(f"could not unpack {archive}: {error}") from None
        top = os.path.join(scratch, "python")
        if not os.path.isfile(os.path.join(top, "bin", "python3")):
            raise Failure(f"{archive} holds no python/bin/python3")
        shutil.rmtree(env_dir, ignore_errors=True)
        os.replace(top, env_dir)
    if not os.path.exists(os.path.join(env_dir, "bin", "python")):
        os.symlink("python3", os.path.join(env_dir, "bin", "python"))


def standalone(env_dir: str) -> None:
    """Install the pinned CPython (or the one KIT_PYTHON_URL names) as env_dir."""
    url = os.environ.get("KIT_PYTHON_URL", PINNED_URL)
    sha256 = os.environ.get("KIT_PYTHON_SHA256", PINNED_SHA256 if url == PINNED_URL else "")
    if not sha256:
        raise Failure("KIT_PYTHON_URL is set but KIT_PYTHON_SHA256 is not")
    machine = platform.machine()
    if url == PINNED_URL and (sys.platform != "linux" or machine != "x86_64"):
        raise Failure(
            f"the pinned CPython is built for x86-64 Linux, not {sys.platform} {machine}: "
            "set KIT_PYTHON_URL and KIT_PYTHON_SHA256 to a build for this machine"
        )
    print("kit_python: no Python 3.11-3.13 with venv here; installing " + url)
    with tempfile.TemporaryDirectory() as scratch:
        archive = os.path.join(scratch, "python.tar.gz")
        download(url, sha256, archive)
        unpack(archive, env_dir)
    python = os.path.join(env_dir, "bin", "python")
    if not succeeds([python, "-c", SUPPORTED]):
        raise Failure(f"{url} is not Python 3.11-3.13")
    if not succeeds([python, "-m", "pip", "--version"]) and not succeeds(
        [python, "-m", "ensurepip"]
    ):
        raise Failure(f"the Python from {url} has no pip and cannot install it")


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: python3 kit_python.py ENV_DIR CANDIDATE...", file=sys.stderr)
        return 2
    env_dir, candidates = sys.argv[1], sys.argv[2:]
    try:
        if not any(venv_from(candidate, env_dir) for candidate in candidates):
            standalone(env_dir)
    except Failure as failure:
        print("kit_python: " + str(failure), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
