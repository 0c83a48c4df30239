"""The Gradescope autograder bundle, and the command it runs for each submission.

`python -m autograder gradescope --out ZIP` writes a bundle holding setup.sh,
run_autograder and the kit itself (the student package, the instructor side with
its hidden checks, the pinned requirements). On Gradescope, run_autograder calls
`python -m autograder gradescope-run`, which runs the same hidden checks as the
batch grader on /autograder/submission and writes /autograder/results/results.json,
with the ungraded held-out BLEU-4 of the trained captioners as Gradescope leaderboard
entries (0 for a captioner that could not be evaluated; the output says why).
"""

import json
import tempfile
import time
import zipfile
from pathlib import Path

from autograder.paths import REPO, TRAINED_MODELS, kit_files
from autograder.points import ITEMS
from autograder.submissions import read_submission, student_package

BUNDLE_FILES = ["Makefile", "requirements.txt", "constraints.txt", "pyproject.toml"]
BUNDLE_FOLDERS = ["cs231n", "autograder", "notebooks"]
SCRIPTS = REPO / "autograder" / "gradescope_files"
# Scores and messages of the hidden checks are shown once the instructor publishes.
HIDDEN_VISIBILITY = "after_published"


def build_bundle(out: Path) -> Path:
    """Write the autograder zip Gradescope expects (setup.sh and run_autograder at its root)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            bundle.writestr(info, (SCRIPTS / name).read_bytes())
        for name in BUNDLE_FILES:
            bundle.write(REPO / name, name)
        for folder in BUNDLE_FOLDERS:
            for path in kit_files(REPO / folder):
                bundle.write(path, path.relative_to(REPO).as_posix())
    return out


def leaderboard_entries(entries: dict) -> list[dict]:
    """Gradescope leaderboard entries: held-out BLEU-4 per captioner, higher ranks first.

    Inputs:
    - entries: Map from cell type to its leaderboard Entry

    Returns:
    - One {"name", "value", "order"} entry per captioner, always all of them
    """
    return [
        {
            "name": f"{cell_type.upper()} BLEU-4",
            "value": entries[cell_type].bleu4 or 0.0,
            "order": "desc",
        }
        for cell_type in TRAINED_MODELS
    ]


def results_json(verdicts: dict, problems: list[str], seconds: float, leaderboard: dict) -> dict:
    """Gradescope's results format: one test per autograded item, and the leaderboard.

    Inputs:
    - verdicts: Map from item to its Verdict
    - problems: What is wrong with the submission's files
    - seconds: Grading time
    - leaderboard: Map from cell type to its leaderboard Entry

    Returns:
    - The content of results.json
    """
    tests = [
        {
            "name": item,
            "number": str(number),
            "score": verdicts[item].score,
            "max_score": verdicts[item].max_score,
            "output": verdicts[item].message,
            "visibility": HIDDEN_VISIBILITY,
        }
        for number, item in enumerate(ITEMS, start=1)
    ]
    summary = "Submission received and graded by hidden checks."
    if problems:
        summary += " Problems found: " + "; ".join(problems) + "."
    for cell_type, entry in leaderboard.items():
        summary += f"\nLeaderboard (ungraded), {cell_type.upper()} captioner: {entry.message}"
    return {
        "execution_time": round(seconds, 1),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "leaderboard": leaderboard_entries(leaderboard),
    }


def run(root: Path) -> dict:
    """Grade root/submission and write root/results/results.json; returns the results."""
    start = time.perf_counter()
    from autograder.checks.hidden import HiddenChecks  # imports the reference package
    from autograder.leaderboard.evaluate import Leaderboard

    submission = read_submission("gradescope", root / "submission")
    with tempfile.TemporaryDirectory() as work:
        package = student_package(submission, Path(work) / "package")
        verdicts = HiddenChecks(private_roots=[root]).grade(package, Path(work) / "checks")
        leaderboard = Leaderboard(private_roots=[root]).evaluate(
            submission, package, Path(work) / "leaderboard"
        )
    seconds = time.perf_counter() - start
    results = results_json(verdicts, submission.problems, seconds, leaderboard)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=1))
    return results
