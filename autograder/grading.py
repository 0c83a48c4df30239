"""`python -m autograder grade`: grade a folder of submissions into OUT.

OUT/course      the nbgrader course (source, submitted, autograded, gradebook.db)
OUT/results     one JSON per graded student (written last, atomically)
OUT/feedback    one HTML page per student
OUT/grades.csv  one row per student, one column per autograded item, then the
                ungraded held-out leaderboard (BLEU-4 of each trained captioner)
OUT/canvas.csv  the same students' gradebook totals (manual grades included) for Canvas
OUT/summary.png

A student whose results file exists is skipped unless force is set, so a run that
was interrupted (even by kill -9) resumes where it stopped. Workers are long-lived
processes, each holding the hidden cases and reference outputs; every student is
handed to exactly one worker.
"""

import json
import resource
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from autograder.checks.hidden import HiddenChecks
from autograder.course import ASSIGNMENT, autograde, build_course, read_scores, remove_submission
from autograder.export import canvas_csv
from autograder.leaderboard.evaluate import Leaderboard
from autograder.points import ITEMS
from autograder.report import (
    feedback_html,
    grades_csv,
    leaderboard_summary,
    summary_plot,
    summary_text,
    write_atomically,
)
from autograder.submissions import (
    STUDENT_FILES,
    find_submissions,
    read_submission,
    student_file,
    student_package,
)

_worker = None


class Worker:
    """Grades one student at a time into OUT (one per process)."""

    def __init__(self, out: Path):
        self.out = out
        self.course = out / "course"
        self.verdicts_dir = self.course / "verdicts"
        self.checks = HiddenChecks(private_roots=[out])
        self.leaderboard = Leaderboard(private_roots=[out])

    def lay_out(self, submission, work: Path) -> Path:
        """Put the submission where nbgrader and the sandbox expect it; returns the package dir.

        Notebooks that are missing or invalid are replaced by the unanswered release
        copies, and missing modules by the release stubs, so a broken file costs
        only the points that depend on it.
        """
        submitted = self.course / "submitted" / submission.student_id / ASSIGNMENT
        if submitted.parent.exists():
            shutil.rmtree(submitted.parent)
        for relative in STUDENT_FILES:
            target = submitted / relative.removeprefix("notebooks/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(student_file(submission, relative))
        return student_package(submission, work / "package")

    def grade(self, student_id: str, path: Path) -> dict:
        """Grade one submission; always returns a result (errors go into its status)."""
        started = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        work = self.out / "work" / student_id
        if work.exists():
            shutil.rmtree(work)
        submission = read_submission(student_id, path)
        result = {"student_id": student_id, "scores": {}, "messages": {}}
        result["problems"] = list(submission.problems)
        try:
            package = self.lay_out(submission, work)
            verdicts = self.checks.grade(package, work / "checks")
            result["messages"] = {item: v.message for item, v in verdicts.items()}
            entries = self.leaderboard.evaluate(submission, package, work / "leaderboard")
            result["leaderboard"] = {cell: vars(entry) for cell, entry in entries.items()}
            write_atomically(
                self.verdicts_dir / f"{student_id}.json",
                json.dumps({item: vars(v) for item, v in verdicts.items()}),
            )
            autograde(self.course, self.verdicts_dir, student_id)
            gradebook = read_scores(self.course, student_id)
            result["scores"] = {item: float(gradebook.get(item) or 0.0) for item in ITEMS}
            result["status"] = "; ".join(submission.problems) or "ok"
        except Exception as error:  # noqa: BLE001 - one student's failure must not stop the batch
            remove_submission(self.course, student_id)
            result["scores"] = {item: 0.0 for item in ITEMS}
            result["status"] = f"grading failed: {type(error).__name__}: {error}"[:300]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["cpu_seconds"] = round(
            time.process_time()
            - started[0]
            + children.ru_utime
            + children.ru_stime
            - started[1].ru_utime
            - started[1].ru_stime,
            2,
        )
        write_atomically(self.out / "feedback" / f"{student_id}.html", feedback_html(result))
        write_atomically(self.out / "results" / f"{student_id}.json", json.dumps(result, indent=1))
        return result


def _start_worker(out: Path) -> None:
    global _worker
    _worker = Worker(out)


def _grade_in_worker(task: tuple[str, Path]) -> dict:
    return _worker.grade(*task)


def grade_all(submissions: Path, out: Path, jobs: int = 1, force: bool = False) -> list[dict]:
    """Grade every submission in a folder; write grades.csv, feedback and the summary.

    Inputs:
    - submissions: Folder of `<student_id>.zip` files or `<student_id>/` folders
    - out: Output folder (created; an earlier run's results are reused unless force)
    - jobs: Number of worker processes
    - force: Regrade students that already have a result

    Returns:
    - The results of every student in the folder
    """
    out = Path(out).resolve()
    for partial in out.glob("*/.*.partial"):  # left by a run that was killed mid-write
        partial.unlink()
    entries = find_submissions(Path(submissions))
    build_course(out / "course")
    todo = [
        (student_id, path.resolve())
        for student_id, path in entries
        if force or not (out / "results" / f"{student_id}.json").is_file()
    ]
    skipped = len(entries) - len(todo)
    if skipped:
        print(f"{skipped} student(s) already graded (use --force to regrade)")
    if todo:
        with ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(out,)) as pool:
            progress = tqdm(total=len(todo), unit="student", desc="grading")
            for result in pool.map(_grade_in_worker, todo):
                progress.set_postfix_str(f"{result['student_id']}: {result['status'][:30]}")
                progress.update()
            progress.close()
    results = [
        json.loads((out / "results" / f"{student_id}.json").read_text())
        for student_id, _ in entries
    ]
    write_atomically(out / "grades.csv", grades_csv(results))
    student_ids = [student_id for student_id, _ in entries]
    write_atomically(out / "canvas.csv", canvas_csv(out / "course", student_ids))
    summary_plot(results, out / "summary.png")
    print(summary_text(results))
    print(leaderboard_summary(results))
    print(f"wrote grades.csv, canvas.csv, summary.png and feedback/ in {out}")
    return results
