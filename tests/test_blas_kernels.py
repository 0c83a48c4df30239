"""The pinned OpenBLAS kernels: chosen only where they can run, never over the user's
choice, and what makes the dataset command give the same bytes on every x86-64 machine."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from digests import file_digests

from autograder.paths import REPO
from autograder.sandbox.run import child_environment
from cs231n import blas_kernels
from cs231n.blas_kernels import KERNELS, VARIABLE, cpu_flags, pinned_environment

FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 {extra} popcnt\n"


def cpuinfo(folder: Path, extra: str) -> Path:
    """A /proc/cpuinfo whose flags include extra."""
    folder.mkdir()
    path = folder / "cpuinfo"
    path.write_text(FLAGS.format(extra=extra))
    return path


def test_the_kernels_are_pinned_only_on_x86_64_with_avx2_and_fma(tmp_path, monkeypatch):
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    both, avx2_only = cpuinfo(tmp_path / "both", "avx2 fma"), cpuinfo(tmp_path / "one", "avx2")
    assert cpu_flags(both) == {"fpu", "sse2", "avx2", "fma", "popcnt"}
    assert pinned_environment({}, both) == {VARIABLE: KERNELS}
    assert pinned_environment({}, avx2_only) == {}
    assert pinned_environment({}, tmp_path / "missing") == {}  # macOS, Windows
    assert pinned_environment({VARIABLE: "SkylakeX"}, both) == {}  # the user's choice stands
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    assert pinned_environment({}, both) == {}


def test_run_pinned_does_nothing_where_nothing_is_pinned(monkeypatch):
    monkeypatch.setattr(blas_kernels, "pinned_environment", lambda: {})
    monkeypatch.setattr(os, "execvpe", lambda *args: pytest.fail("exec without a pin"))
    blas_kernels.run_pinned(["true"])


def unpinned_environment() -> dict[str, str]:
    """This process's environment without OPENBLAS_CORETYPE (which the tests set)."""
    return {name: value for name, value in os.environ.items() if name != VARIABLE}


def test_the_command_runs_a_program_pinned_or_says_in_one_line_why_not():
    run = [sys.executable, "-m", "cs231n.blas_kernels"]
    env = unpinned_environment()
    show = f"import os; print(os.environ.get('{VARIABLE}'))"
    shown = subprocess.run(
        [*run, sys.executable, "-c", show], cwd=REPO, env=env, capture_output=True, text=True
    )
    expected = KERNELS if pinned_environment({}) else None
    assert (shown.returncode, shown.stdout) == (0, f"{expected}\n")
    missing = subprocess.run([*run, "no-such-program"], cwd=REPO, capture_output=True, text=True)
    error = "cannot run no-such-program: No such file or directory\n"
    assert (missing.returncode, missing.stderr) == (1, error)
    bare = subprocess.run(run, cwd=REPO, capture_output=True, text=True)
    assert bare.returncode == 1 and bare.stderr.startswith("usage: python -m cs231n.blas_kernels")


PINNABLE = pytest.mark.skipif(not pinned_environment({}), reason="no AVX2 kernels to pin here")


@PINNABLE
def test_student_code_runs_on_the_pinned_kernels_however_the_grader_was_started(
    tmp_path, monkeypatch
):
    """`nbgrader autograde` run by hand has no pin of its own; the sandbox sets it."""
    monkeypatch.delenv(VARIABLE, raising=False)
    assert child_environment(tmp_path)[VARIABLE] == KERNELS
    monkeypatch.setenv(VARIABLE, "Sandybridge")  # an instructor's explicit choice stands
    assert child_environment(tmp_path)[VARIABLE] == "Sandybridge"


def build_digests(out: Path, kernels: str | None) -> dict[str, str]:
    """Run the dataset command with OPENBLAS_CORETYPE unset or set; digest its files."""
    env = unpinned_environment()
    if kernels is not None:
        env[VARIABLE] = kernels
    subprocess.run(
        [sys.executable, "-m", "cs231n.shapes.build", "--out", str(out), "--train", "64",
         "--val", "16"],
        cwd=REPO, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return file_digests(out)


@PINNABLE
def test_the_dataset_command_builds_on_the_pinned_kernels_whatever_the_cpu(tmp_path):
    """Left alone, OpenBLAS would pick this CPU's own kernels (AVX-512 ones on newer
    servers); the command runs itself again on the pinned ones. Other kernels do change
    the features, so the comparison can fail."""
    unset = build_digests(tmp_path / "unset", None)
    pinned = build_digests(tmp_path / "pinned", KERNELS)
    other = build_digests(tmp_path / "other", "Sandybridge")
    assert unset == pinned
    assert other["train2014_vgg16_fc7_pca.h5"] != pinned["train2014_vgg16_fc7_pca.h5"]
    assert other["coco2014_captions.h5"] == pinned["coco2014_captions.h5"]
