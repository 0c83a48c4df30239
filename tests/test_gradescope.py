"""The Gradescope bundle as Gradescope runs it: its own setup.sh once, run_autograder per upload.

The `gradescope` fixture builds the bundle, unpacks it into a temporary root laid out like
Gradescope's (source/, submission/, results/) and runs the bundle's setup.sh there, once for
this module: it makes source/.venv, installs the pinned packages (quick from pip's cache),
builds the dataset and the held-out split. Every upload then goes through the bundle's own
run_autograder with that environment, as on Gradescope. Those tests are marked
`gradescope_setup` (`pytest -m "not gradescope_setup"` leaves them out).
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from digests import file_digests
from pins import pins

from autograder.__main__ import main
from autograder.examples import example_files
from autograder.gradescope.bundle import DEFAULT_VISIBILITY, SETTINGS, VISIBILITIES, build_bundle
from autograder.gradescope.results import InlineStatus, results_json
from autograder.intake.submissions import Submission
from autograder.leaderboard.evaluate import Entry
from autograder.paths import DATA_DIR, REPO, STUDENT_MODULES, TRAINED_MODELS
from autograder.points import AUTOGRADED_TOTAL, INLINE_QUESTIONS, INLINE_TOTAL, ITEMS, POINTS, TOTAL

KIT_PYTHON = REPO / "autograder" / "gradescope" / "files" / "kit_python.py"
# The bundle under test is built with a visibility other than the default, so that the
# choice made at build time is seen to reach results.json.
VISIBILITY = "after_due_date"
INLINE_IDS = list(INLINE_QUESTIONS)


def scripts_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of Gradescope's harness: the root, and nothing of this test run's."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("CS231N_DATA_DIR", None)
    return {**env, "GRADESCOPE_ROOT": str(root), **extra}


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """A Gradescope root with the bundle unpacked in source/."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = build_bundle(root / "bundle.zip", visibility=VISIBILITY)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    return root


@pytest.fixture(scope="module")
def gradescope(unpacked) -> Path:
    """The unpacked root after the bundle's setup.sh ran in it (once for this module)."""
    root = unpacked
    default_root_existed = Path("/autograder").exists()
    start = time.perf_counter()
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        cwd=root,
        env=scripts_env(root),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    print(f"setup.sh took {time.perf_counter() - start:.0f} s")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert Path("/autograder").exists() == default_root_existed  # nothing written there
    return root


@pytest.fixture(scope="module")
def examples() -> dict[str, dict[str, str | bytes]]:
    return example_files()


def run_autograder(root: Path, files: dict[str, str | bytes], **env: str) -> dict:
    """Lay files out in root/submission as Gradescope does, run run_autograder, read results."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    for relative, content in files.items():
        path = submission / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        cwd=root,
        env=scripts_env(root, **env),
        check=True,
        timeout=900,
    )
    return json.loads((root / "results" / "results.json").read_text())


def item_scores(results: dict) -> dict[str, float]:
    return {test["name"]: test["score"] for test in results["tests"] if test["name"] in POINTS}


def check_named(results: dict, prefix: str) -> dict:
    (test,) = [test for test in results["tests"] if test["name"].startswith(prefix)]
    return test


def with_answer(notebook_text: str, grade_id: str, answer: str) -> str:
    notebook = nbformat.reads(notebook_text, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = answer
    return nbformat.writes(notebook)


# The bundle itself.


def test_the_bundle_has_executable_scripts_at_its_root_and_the_chosen_visibility(tmp_path):
    bundle = build_bundle(tmp_path / "bundle.zip", visibility="hidden")
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        settings = json.loads(archive.read(SETTINGS))
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert "autograder/checks/hidden.py" in names and "cs231n/inline_answers.py" in names
    assert "autograder/gradescope/files/kit_python.py" in names
    assert settings["visibility"] == "hidden" and "generated_by" in settings
    assert not [n for n in names if n.endswith(".npz") or "__pycache__" in n]
    assert not [n for n in names if n.split("/")[0] in ("data", "build", ".venv", "dist")]


def test_the_command_builds_with_the_default_or_the_chosen_visibility(tmp_path, capsys):
    for args, expected in (([], DEFAULT_VISIBILITY), (["--visibility", "after_published"], None)):
        out = tmp_path / f"{len(args)}.zip"
        assert main(["gradescope", "--out", str(out), *args]) == 0
        with zipfile.ZipFile(out) as archive:
            chosen = json.loads(archive.read(SETTINGS))["visibility"]
        assert chosen == (expected or "after_published")
    assert DEFAULT_VISIBILITY == "visible"
    with pytest.raises(SystemExit) as stop:
        main(["gradescope", "--out", str(tmp_path / "x.zip"), "--visibility", "soon"])
    assert stop.value.code == 2 and "invalid choice: 'soon'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="visibility must be one of visible, after_due_date"):
        build_bundle(tmp_path / "y.zip", visibility="soon")


def test_gradescope_pins_a_subset_of_the_kit_without_the_instructor_tools():
    gradescope = pins(REPO / "autograder" / "gradescope" / "files" / "requirements.txt")
    assert set(gradescope) == {"numpy", "h5py", "threadpoolctl", "matplotlib", "nbformat"}
    assert gradescope.items() <= pins(REPO / "requirements.txt").items()
    assert (
        "files/requirements.txt -c constraints.txt"
        in (REPO / "autograder" / "gradescope" / "files" / "setup.sh").read_text()
    )


def test_results_apply_the_visibility_to_the_autograded_items_only():
    verdicts = {item: _Verdict(POINTS[item] / 2, POINTS[item]) for item in ITEMS}
    submission = Submission("gradescope", files={name: b"" for name in STUDENT_MODULES})
    submission.problems.append("notebooks/RNN_Captioning.ipynb is missing")
    inline = InlineStatus(answered=INLINE_IDS[:1], unanswered=INLINE_IDS[1:], points=INLINE_TOTAL)
    board = {cell_type: Entry(None, "no model") for cell_type in TRAINED_MODELS}
    for visibility in VISIBILITIES:
        results = results_json(verdicts, submission, 1.0, board, visibility, inline)
        by_name = {test["name"]: test for test in results["tests"]}
        assert [by_name[item]["visibility"] for item in ITEMS] == [visibility] * len(ITEMS)
        files, inline_check = by_name["Uploaded files"], results["tests"][-1]
        assert files["visibility"] == inline_check["visibility"] == "visible"
        assert "score" not in files and "score" not in inline_check
        assert files["status"] == inline_check["status"] == "failed"
        assert "Problem: notebooks/RNN_Captioning.ipynb is missing." in files["output"]
        assert VISIBILITIES[visibility] in results["output"]
        assert sum(test.get("max_score", 0) for test in results["tests"]) == AUTOGRADED_TOTAL
    assert (
        "Not answered in your notebooks: inline_question_1_lstm, inline_question_2_lstm."
        in (inline_check["output"])
    )
    assert [entry["value"] for entry in results["leaderboard"]] == [0.0, 0.0]
    assert "Leaderboard (ungraded), LSTM captioner: no model" in results["output"]


class _Verdict:
    def __init__(self, score: float, max_score: float):
        self.score, self.max_score, self.message = score, max_score, "half right"


# The bundle's setup.sh and run_autograder, in Gradescope's layout.


@pytest.mark.gradescope_setup
def test_setup_sh_installs_the_kit_under_the_root(gradescope):
    kit = gradescope / "source"
    assert (kit / ".venv" / "pyvenv.cfg").is_file()  # this machine's python3.11 was taken
    # Only what grading needs: no nbgrader (and with it no Jupyter server) beside student code.
    found = subprocess.run(
        [
            str(kit / ".venv" / "bin" / "python"),
            "-c",
            "import importlib.metadata as d, importlib.util as u; "
            "import h5py, matplotlib, nbformat, numpy; "
            "print([m for m in ('nbgrader', 'notebook', 'pytest') if u.find_spec(m)]); "
            "print(d.version('pip'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout == f"[]\n{pins(REPO / 'constraints.txt')['pip']}\n"  # the pinned pip
    # Gradescope grades on the instructor's dataset, to the byte (blas_kernels).
    assert file_digests(kit / "data" / "shapes_captioning") == file_digests(DATA_DIR)
    assert list((kit / "build" / "leaderboard").glob("heldout-*.npz"))
    assert len(list((kit / "build" / "cache").glob("hidden-checks-*.pickle"))) == 1
    assert not list((kit / "build" / "cache").glob("course-*"))  # no nbgrader course here


@pytest.mark.gradescope_setup
def test_the_nested_upload_gets_every_point_and_explains_the_totals(gradescope, examples):
    results = run_autograder(gradescope, examples["reference"])
    autograded = [test for test in results["tests"] if test["name"] in POINTS]
    assert [test["name"] for test in autograded] == list(ITEMS)
    for test in autograded:
        assert test["score"] == test["max_score"] == POINTS[test["name"]]
        assert test["visibility"] == VISIBILITY
    assert check_named(results, "Uploaded files")["status"] == "passed"
    inline = check_named(results, "Inline questions")
    title = f"Inline questions ({INLINE_TOTAL:g} points, graded by hand, not here)"
    assert inline["name"] == title
    assert inline["status"] == "failed" and ", ".join(INLINE_IDS) in inline["output"]
    for text in (results["output"], inline["output"]):
        assert f"{len(ITEMS)} autograded items: {AUTOGRADED_TOTAL:g} points" in text
        assert f"inline questions ({INLINE_TOTAL:g} points)" in text
        assert f"the assignment's {TOTAL:g} points, the total that Canvas and nbgrader show" in text
        assert "python -m cs231n.inline_answers" in text
    assert "shown after the due date" in results["output"]
    assert results["execution_time"] > 0 and results["stdout_visibility"] == "hidden"
    board = results["leaderboard"]
    assert [entry["name"] for entry in board] == ["RNN BLEU-4", "LSTM BLEU-4"]
    assert all(0.2 < entry["value"] <= 1 and entry["order"] == "desc" for entry in board)
    assert "Leaderboard (ungraded), RNN captioner: BLEU-4" in results["output"]


@pytest.mark.gradescope_setup
def test_the_upload_under_a_top_folder_is_read_and_its_answers_seen(gradescope, examples):
    files = dict(examples["reference"])
    rnn = "notebooks/RNN_Captioning.ipynb"
    files[rnn] = with_answer(files[rnn], INLINE_IDS[0], "The gradient shrinks with $t$.")
    results = run_autograder(gradescope, {f"captioning/{k}": v for k, v in files.items()})
    assert item_scores(results) == POINTS
    inline = check_named(results, "Inline questions")
    assert f"Answered in your notebooks: {INLINE_IDS[0]}." in inline["output"]
    assert f"Not answered in your notebooks: {', '.join(INLINE_IDS[1:])}." in inline["output"]


@pytest.mark.gradescope_setup
def test_the_stubs_get_nothing_from_the_reference_outputs_setup_sh_prepared(gradescope, examples):
    cache = gradescope / "source" / "build" / "cache"
    prepared = {path.name: path.stat().st_mtime_ns for path in cache.glob("hidden-checks-*")}
    results = run_autograder(gradescope, examples["stubs"])
    assert {path.name: path.stat().st_mtime_ns for path in cache.glob("hidden-checks-*")} == (
        prepared
    )
    assert item_scores(results) == dict.fromkeys(ITEMS, 0)
    assert check_named(results, "Uploaded files")["status"] == "passed"
    assert [entry["value"] for entry in results["leaderboard"]] == [0.0, 0.0]


@pytest.mark.gradescope_setup
def test_a_broken_zip_gets_nothing_and_says_what_is_missing(gradescope):
    results = run_autograder(gradescope, {"submission.zip": b"PK\x03\x04 not really a zip"})
    assert item_scores(results) == dict.fromkeys(ITEMS, 0)
    files = check_named(results, "Uploaded files")
    assert files["status"] == "failed" and files["visibility"] == "visible"
    assert "Problem: " in files["output"] and "make submit" in files["output"]
    assert "Problems found: " in results["output"]


@pytest.mark.gradescope_setup
def test_a_broken_module_costs_only_its_items(gradescope, examples):
    files = dict(examples["partial"])
    files["cs231n/classifiers/rnn.py"] = "def broken(:\n"
    del files["notebooks/LSTM_Captioning.ipynb"]
    results = run_autograder(gradescope, files)
    scores = item_scores(results)
    assert scores["loss_rnn"] == 0 and scores["rnn_step_forward"] == POINTS["rnn_step_forward"]
    assert "notebooks/LSTM_Captioning.ipynb is missing" in results["output"]
    loss_output = next(t["output"] for t in results["tests"] if t["name"] == "loss_rnn")
    assert "could not be imported: SyntaxError" in loss_output
    # The trained RNN cannot be sampled without an importable model: no score, and why.
    assert [entry["value"] for entry in results["leaderboard"]] == [0.0, 0.0]
    assert "RNN captioner: no score: CaptioningRNN.sample raised ImportError" in results["output"]
    assert "LSTM captioner: no notebooks/captioner_lstm.npz" in results["output"]


@pytest.mark.gradescope_setup
def test_the_flat_upload_gets_every_point(gradescope, examples):
    flat = {Path(relative).name: content for relative, content in examples["reference"].items()}
    assert len(flat) == len(examples["reference"])  # no two files share a name
    results = run_autograder(gradescope, flat)
    assert check_named(results, "Uploaded files")["status"] == "passed"
    assert item_scores(results) == POINTS
    assert all(entry["value"] > 0.2 for entry in results["leaderboard"])


def test_a_failing_grader_leaves_a_valid_file(unpacked):
    results = run_autograder(unpacked, {}, KIT_PYTHON="/bin/false")
    assert results["score"] == 0 and results["tests"] == []
    assert "autograder itself failed" in results["output"]


def test_results_the_grader_wrote_stand_if_it_fails_afterwards(unpacked, tmp_path):
    python = tmp_path / "python"
    python.write_text(
        '#!/bin/sh\necho \'{"tests": [], "score": 7}\' > "$GRADESCOPE_ROOT/results/results.json"\n'
        "exit 1\n"
    )
    python.chmod(0o755)
    assert run_autograder(unpacked, {}, KIT_PYTHON=str(python)) == {"tests": [], "score": 7}


# kit_python.py: the interpreter setup.sh installs where the image has no Python 3.11-3.13.


def standalone_archive(tmp_path: Path, top: str = "python") -> tuple[str, str]:
    """A stand-in for the pinned python-build-standalone archive (URL and SHA-256).

    Its python/bin/python3 forwards to the interpreter running the tests, so that the
    download, the checksum, the unpacking and the checks of the result are the real ones.
    """
    script = f'#!/bin/sh\nexec "{sys.executable}" "$@"\n'.encode()
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        info = tarfile.TarInfo(f"{top}/bin/python3")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    archive = tmp_path / "cpython.tar.gz"
    archive.write_bytes(data.getvalue())
    return archive.as_uri(), hashlib.sha256(data.getvalue()).hexdigest()


def kit_python(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run kit_python.py with only an unsupported candidate (exits 1, as an old Python's
    version check does), so that it must install the standalone interpreter."""
    old = tmp_path / "old-python3"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    return subprocess.run(
        [sys.executable, str(KIT_PYTHON), str(tmp_path / "env"), str(old), "no-such-python3"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_a_supported_python_the_checked_standalone_one_is_installed(tmp_path):
    url, sha256 = standalone_archive(tmp_path)
    done = kit_python(tmp_path, KIT_PYTHON_URL=url, KIT_PYTHON_SHA256=sha256)
    assert done.returncode == 0, done.stderr
    assert f"no Python 3.11-3.13 with venv here; installing {url}" in done.stdout
    python = tmp_path / "env" / "bin" / "python"
    assert python.is_symlink() and os.readlink(python) == "python3"
    ran = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert ran.stdout.strip() == str(sys.version_info[:2])


@pytest.mark.parametrize(
    "case, message",
    [
        ("checksum", "has SHA-256 "),
        ("no checksum", "KIT_PYTHON_URL is set but KIT_PYTHON_SHA256 is not"),
        ("unreachable", "could not download file:///no/such/archive.tar.gz"),
        ("wrong layout", "holds no python/bin/python3"),
    ],
)
def test_a_bad_standalone_python_is_refused_in_one_line(tmp_path, case, message):
    url, sha256 = standalone_archive(tmp_path, top="other" if case == "wrong layout" else "python")
    absent = "file:///no/such/archive.tar.gz"
    env = {
        "checksum": {"KIT_PYTHON_URL": url, "KIT_PYTHON_SHA256": "0" * 64},
        "no checksum": {"KIT_PYTHON_URL": url},
        "unreachable": {"KIT_PYTHON_URL": absent, "KIT_PYTHON_SHA256": sha256},
        "wrong layout": {"KIT_PYTHON_URL": url, "KIT_PYTHON_SHA256": sha256},
    }[case]
    done = kit_python(tmp_path, **env)
    assert done.returncode == 1
    assert done.stderr.startswith("kit_python: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "env").exists()
