"""The student bundle: exactly the release plus the student kit, refused when anything else
is in the way, and a kit that works on its own from an empty folder."""

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from digests import file_digests
from pins import pins

from autograder.paths import DATA_DIR, REPO
from autograder.release.leaks import secret_lines
from autograder.release.student_bundle import (
    DATA_FILES,
    KIT,
    TOP,
    BundleRefused,
    build_student_bundle,
    tracked_files,
)

STUDENT_COMMANDS = ("setup", "data", "notebook", "check", "submit")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The bundle of this repository."""
    return build_student_bundle(tmp_path_factory.mktemp("bundle") / "student.zip")


def kit_copy(root: Path) -> Path:
    """A git repository under root holding this repository's release files, committed."""
    for name in ("cs231n", "notebooks"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in DATA_FILES:
        (root / name).parent.mkdir(exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    return root


def test_the_bundle_is_the_release_and_the_student_kit(bundle: Path):
    with zipfile.ZipFile(bundle) as archive:
        names = sorted(archive.namelist())
        makefile = archive.read(f"{TOP}/Makefile")
        script = archive.getinfo(f"{TOP}/data/get_coco.sh")
    kit = sorted(path.name for path in KIT.iterdir())
    assert kit == [
        "Makefile",
        "README.md",
        "constraints.txt",
        "environment.yml",
        "pyproject.toml",
        "requirements.txt",
    ]
    expected = sorted(f"{TOP}/{name}" for name in [*kit, *DATA_FILES, *tracked_files()])
    assert names == expected
    assert makefile == (KIT / "Makefile").read_bytes()
    assert script.external_attr >> 16 == (REPO / "data" / "get_coco.sh").stat().st_mode


def test_stray_stale_and_leaking_files_are_refused_and_nothing_is_written(tmp_path: Path):
    root = kit_copy(tmp_path / "repo")
    answer = sorted(secret_lines())[0]
    (root / "notebooks" / "rnn_layers.py").write_text(f"def f():\n    {answer}\n")
    (root / "notebooks" / "captioner_rnn.npz").write_bytes(b"PK")
    (root / "cs231n" / "__pycache__").mkdir()
    (root / "cs231n" / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"")  # skipped
    notebook = root / "notebooks" / "RNN_Captioning.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[-1].source += f"\n{answer}"
    nbformat.write(nb, notebook)
    out = tmp_path / "dist" / "student.zip"

    with pytest.raises(BundleRefused) as refused:
        build_student_bundle(out, root=root)

    assert str(refused.value).splitlines() == [
        "notebooks/captioner_rnn.npz is not part of the release (git does not track it): move "
        "it out of the kit, or commit it if students should get it",
        "notebooks/rnn_layers.py is not part of the release (git does not track it): move it "
        "out of the kit, or commit it if students should get it",
        "notebooks/RNN_Captioning.ipynb differs from what `make release` generates (an edit, or "
        "an answer pasted in): run `make release`",
        f"notebooks/RNN_Captioning.ipynb: {answer}",
    ]
    assert not out.parent.exists()


def test_the_command_refuses_in_one_line_per_problem_without_a_traceback(tmp_path: Path):
    root = kit_copy(tmp_path / "repo")
    (root / "cs231n" / "notes.txt").write_text("my notes\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "student-bundle",
            "--root",
            str(root),
            "--out",
            str(tmp_path / "student.zip"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "cs231n/notes.txt is not part of the release (git does not track it): move it out of "
        "the kit, or commit it if students should get it",
        "no bundle written",
    ]


def test_the_student_kit_pins_what_the_instructor_side_pins():
    kit_requirements = pins(KIT / "requirements.txt")
    kit_constraints = pins(KIT / "constraints.txt")
    instructor = pins(REPO / "constraints.txt")
    assert {
        "numpy", "h5py", "threadpoolctl", "matplotlib", "notebook", "ipykernel", "nbformat"
    } == set(kit_requirements)  # fmt: skip
    assert kit_requirements.items() <= kit_constraints.items()
    assert kit_constraints.items() <= instructor.items()
    assert not {"nbgrader", "pytest", "ruff", "tqdm"} & set(kit_constraints)
    assert "autograder" not in (KIT / "pyproject.toml").read_text()
    assert "tests" not in (KIT / "pyproject.toml").read_text()


def test_every_student_message_names_the_commands_of_the_readme():
    readme = (KIT / "README.md").read_text()
    for command in STUDENT_COMMANDS:
        assert f"make {command}" in readme, command
    student_text = "\n".join(
        path.read_text() for path in [*(REPO / "cs231n").glob("*.py"), KIT / "Makefile"]
    )
    assert "python -m cs231n.selfcheck`" not in student_text.replace(
        "python -m cs231n.selfcheck --only", ""
    )


def make(kit: Path, *targets: str, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    """Run make in the unpacked kit with an environment that knows nothing of this repo.

    pip is told not to byte-compile what it installs (Python compiles what is imported, on
    first import): that saves about 20 CPU-s and changes nothing the kit's files decide.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "PYTHONPATH",
            "CS231N_DATA_DIR",
            "VIRTUAL_ENV",
            "MAKEFLAGS",
            "MFLAGS",
            "JUPYTERHUB_USER",
        }
    }
    env["PIP_COMPILE"] = "0"
    start = time.perf_counter()
    done = subprocess.run(
        ["make", *targets], cwd=kit, env=env, capture_output=True, text=True, timeout=timeout
    )
    return done, time.perf_counter() - start


def test_the_unpacked_kit_runs_the_student_path_on_its_own(bundle: Path, tmp_path: Path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    kit = tmp_path / TOP
    assert sorted(path.name for path in tmp_path.iterdir()) == [TOP]
    seconds = {}

    listed, _ = make(kit, timeout=30)
    assert listed.returncode == 0, listed.stderr
    for command in STUDENT_COMMANDS:
        assert re.search(rf"^  make {command} ", listed.stdout, re.MULTILINE), listed.stdout
    assert not (kit / ".venv").exists()

    setup, seconds["setup"] = make(kit, "setup", timeout=1200)
    assert setup.returncode == 0, setup.stderr[-2000:]
    frozen = subprocess.run(
        [str(kit / ".venv" / "bin" / "python"), "-m", "pip", "freeze", "--all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pinned = (kit / "constraints.txt").read_text().splitlines()[1:]
    assert sorted(frozen, key=str.lower) == sorted(pinned, key=str.lower)

    data, seconds["data"] = make(kit, "data", timeout=900)
    assert data.returncode == 0, data.stderr[-2000:]
    # The student's dataset is the instructor's, to the byte (the same kernels: blas_kernels).
    assert file_digests(kit / "data" / "shapes_captioning") == file_digests(DATA_DIR)

    check, seconds["check"] = make(kit, "check", timeout=600)
    assert check.returncode == 0 and "Error" not in check.stderr, "it ran as designed"
    assert f"Checking {kit.resolve() / 'cs231n'}" in check.stdout
    assert "rnn_step_forward         NOT IMPLEMENTED" in check.stdout
    assert "0 of 16 checks passed" in check.stdout
    strict, _ = make(kit, "check", "STRICT=1", timeout=600)
    assert strict.returncode != 0, "the stubs pass no check, and STRICT=1 says so"

    submit, seconds["submit"] = make(kit, "submit", timeout=600)
    assert submit.returncode == 0, submit.stdout + submit.stderr
    assert "WARNING  still raise NotImplementedError: rnn_step_forward" in submit.stdout
    assert "notebooks/captioner_rnn.npz is missing" in submit.stdout
    assert "python -m cs231n.selfcheck" not in submit.stdout
    with zipfile.ZipFile(kit / "submission.zip") as handed_in:
        assert sorted(handed_in.namelist()) == [
            "cs231n/classifiers/rnn.py",
            "cs231n/rnn_layers.py",
            "notebooks/LSTM_Captioning.ipynb",
            "notebooks/RNN_Captioning.ipynb",
        ]
    print("student path from the unpacked zip, seconds:", seconds)
