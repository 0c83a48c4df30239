"""`python -m autograder grade`: grade a folder of submissions into the course in OUT.

OUT is a course, not a run: every batch adds students and updates the ones it holds
again; nobody graded before is ever dropped.

OUT/course          the nbgrader course (gradebook.db, submitted/, autograded/,
                    verdicts/, and the nbgrader_config.py that makes nbgrader's own
                    commands grade through the same trusted pipeline)
OUT/results         one JSON per graded student (written last, atomically)
OUT/feedback        one HTML page per student, the one to send
OUT/grades.csv      one row per student: every item, the inline questions, totals
OUT/canvas.csv      the same totals for a Canvas import (OUT/lms_grades.csv for a
                    Moodle or Blackboard roster)
OUT/not_graded.csv  every file of the last batch's folder that was not graded, and why
OUT/summary.png

A student whose submission was graded as it is now is skipped (unless forced), so a
run that was interrupted (even by kill -9) resumes where it stopped, and a new
download regrades exactly the students whose files, or what the LMS (or a roster
given later) says about them, changed. The hidden checks' start-up is paid once
(cached on disk, autograder/cache.py) and handed to every worker; every student goes
to exactly one worker. Each run ends by writing
every report from the gradebook and checking them with verify.
"""

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from autograder.atomic import write_atomically
from autograder.checks.hidden_cache import hidden_checks
from autograder.course.course import (
    ASSIGNMENT,
    build_course,
    late_penalty_per_day,
    open_gradebook,
    read_settings,
    set_due_date,
    update_settings,
)
from autograder.course.manual_work import settle_course
from autograder.course.records import course_records
from autograder.course.worker import StudentWork, Worker, submission_fingerprint
from autograder.hints import make_command
from autograder.intake.exchange_inbox import INBOX, is_inbox
from autograder.intake.ids import id_problem, inside
from autograder.intake.intake import Entry, NotGraded, read_intake
from autograder.intake.lateness import parse_time, to_utc, zone
from autograder.intake.submissions import read_submission
from autograder.points import AUTOGRADED_TOTAL
from autograder.reports.csv_cells import csv_text
from autograder.reports.export import (
    canvas_column,
    canvas_csv,
    course_canvas_column,
    lms_grades_csv,
)
from autograder.reports.integrity import verify
from autograder.reports.report import (
    feedback_html,
    grades_csv,
    leaderboard_summary,
    manual_work_line,
    summary_plot,
    summary_text,
)
from autograder.reports.roster import (
    MOODLE_SUBMITTED,
    Roster,
    RosterError,
    course_roster,
    read_roster,
)
from autograder.usage import UsageError


@dataclass
class Run:
    """What a grading run did in the course OUT: the course's records, who was graded,
    what was not graded, verify's problems."""

    out: Path
    records: list[dict]
    graded: list[str] = field(default_factory=list)
    not_graded: list[NotGraded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_worker: Worker | None = None
# What an LMS says about a student that the gradebook and the reports use.
STUDENT_KEYS = ("kind", "id", "name", "email", "late", "exchange_submission")


def _start_worker(out: Path, checks) -> None:
    global _worker
    _worker = Worker(out, checks)


def _grade_in_worker(task: StudentWork) -> dict:
    return _worker.grade(task)


def check_inputs(submissions: Path, out: Path, jobs: int) -> None:
    """Refuse bad input before any work, in one line (UsageError)."""
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {jobs})")
    if not submissions.exists():
        raise UsageError(f"{submissions} does not exist")
    if not submissions.is_dir():
        raise UsageError(
            f"{submissions} is not a folder: unzip the LMS download into a folder and grade that"
        )
    if not any(submissions.iterdir()):
        raise UsageError(f"{submissions} is empty: there is nothing to grade")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder (it is created if missing)")
    if out == submissions or out.is_relative_to(submissions):
        raise UsageError(f"--out {out} is inside {submissions}; put the outputs elsewhere")
    if submissions == out / INBOX and is_inbox(submissions):
        return  # the course's own exchange inbox, which `nbgrader collect` fills
    if submissions.is_relative_to(out):
        raise UsageError(f"{submissions} is inside --out {out}; put the outputs elsewhere")


def same_student(before: dict | None, now: dict) -> bool:
    """Whether the LMS says the same about a student as when they were graded (where the
    files lie and their times aside)."""
    return all((before or {}).get(key) == now.get(key) for key in STUDENT_KEYS)


def late_policy(course: Path) -> dict:
    """The due date and late penalty a student's grade depends on (as a results file keeps it)."""
    with open_gradebook(course) as gradebook:
        duedate = gradebook.find_assignment(ASSIGNMENT).duedate
    penalty = late_penalty_per_day(course)
    return {"due": duedate.isoformat() if duedate else None, "late_penalty": penalty}


def late_mark_time(entry: Entry, policy: dict) -> datetime | None:
    """When a submission that the LMS marked late without saying when (Canvas's `LATE`) is
    recorded as handed in: one second after the due date, late by less than a day as far
    as anyone can tell; None if it is not so marked or the course has no due date."""
    if not entry.late or entry.timestamp is not None or policy["due"] is None:
        return None
    return datetime.fromisoformat(policy["due"]) + timedelta(seconds=1)


def lms_info(
    entry: Entry, roster: Roster | None, zone_name: str | None
) -> tuple[dict, datetime | None]:
    """What the LMS said about a student (names, ids, lateness, and as "time" when it was
    handed in, in UTC), and when they submitted (naive UTC, None if the LMS does not say)."""
    timestamp = entry.timestamp
    # When it was handed in: the LMS's time if it gives one, else the files' own.
    newest = max(path.stat().st_mtime for path in entry.files)
    moment = to_utc(timestamp or datetime.fromtimestamp(newest, UTC), zone_name).replace(tzinfo=UTC)
    info = {"kind": entry.lms, "id": entry.lms_id, "name": entry.name, "late": entry.late,
            "files": [str(path) for path in entry.files], "time": moment.isoformat()}  # fmt: skip
    if entry.secret:  # which submission on nbgrader's exchange (its feedback's name)
        info["exchange_submission"] = hashlib.sha256(entry.secret.encode()).hexdigest()[:16]
    row = roster.find(entry.lms, entry.lms_id, entry.student_id) if roster else None
    if row is not None:
        info["name"] = roster.name(row) or info["name"]
        info["email"] = row.get("Email address", "")
        submitted = row.get(MOODLE_SUBMITTED, "")
        if timestamp is None and submitted and submitted != "-":
            try:
                timestamp = parse_time(submitted, zone_name)
            except ValueError:
                return info, None
            info["time"] = timestamp.replace(tzinfo=UTC).isoformat()
            return info, timestamp
    return info, None if timestamp is None else to_utc(timestamp, zone_name)


def recorded_time(info: dict, zone_name: str | None) -> datetime:
    """When a submission was handed in, as lms_info recorded it (a time without a zone,
    recorded by an earlier kit, is in the course's zone; none is the earliest time)."""
    if not info.get("time"):
        return datetime.min.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(info["time"])
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(zone_name))


def write_reports(out: Path) -> list[dict]:
    """Settle the manual grades (manual_work.py), then write grades.csv, canvas.csv (and
    lms_grades.csv), every feedback page and the summary plot from the course's records;
    returns the records."""
    out = Path(out)
    roster = course_roster(out / "course")
    column = course_canvas_column(out / "course", roster)
    settle_course(out / "course")
    records, max_total = course_records(out)
    write_atomically(out / "grades.csv", grades_csv(records, max_total))
    write_atomically(out / "canvas.csv", canvas_csv(records, max_total, roster, column))
    if roster is not None and roster.kind != "canvas":
        write_atomically(out / "lms_grades.csv", lms_grades_csv(records, max_total, roster))
    for record in records:
        page = feedback_html(record, max_total)
        write_atomically(inside(out / "feedback", f"{record['student_id']}.html"), page)
    summary_plot(records, out / "summary.png")
    return records


def not_graded_csv(not_graded: list[NotGraded]) -> str:
    """not_graded.csv: every file not graded (its name as shown to a person) and why."""
    return csv_text([["file", "reason"], *(item.shown() for item in not_graded)])


def _settings(
    course: Path, roster, due, late_penalty, zone_name, column
) -> tuple[Roster | None, datetime | None]:
    """Check and keep the run's course settings; returns the roster and the due date.

    Raises UsageError, before anything is kept, for a setting that cannot be used.
    """
    if late_penalty is not None and not 0 <= late_penalty <= 1:
        raise UsageError(f"--late-penalty must be a fraction between 0 and 1 (got {late_penalty})")
    zone_name = zone_name or read_settings(course).get("timezone")
    try:
        zone(zone_name)
        duedate = parse_time(due, zone_name) if due else None
        loaded = read_roster(Path(roster)) if roster else course_roster(course)
        canvas_column(loaded, column or read_settings(course).get("canvas_column"))
    except (ValueError, RosterError) as error:
        whose = "" if roster else "the course's roster: "
        raise UsageError(f"{whose}{error}") from error
    changes = {"late_penalty": late_penalty, "timezone": zone_name, "canvas_column": column}
    if roster:
        changes["roster"] = str(Path(roster).resolve())
    course.mkdir(parents=True, exist_ok=True)
    update_settings(course, **{k: v for k, v in changes.items() if v is not None})
    return loaded, duedate


def grade_all(
    submissions: Path,
    out: Path,
    jobs: int = 1,
    force: bool = False,
    students: list[str] | None = None,
    roster: Path | None = None,
    due: str | None = None,
    late_penalty: float | None = None,
    timezone: str | None = None,
    canvas_column: str | None = None,
) -> Run:
    """Grade a folder of submissions into the course in OUT; write every report; verify.

    Inputs:
    - submissions: Folder of submissions (an LMS download or `<id>.zip`, `<id>/`)
    - out: Output folder, a course that accumulates students over runs
    - jobs: Number of worker processes
    - force: Regrade students whose submission was graded as it is now
    - students: Only these students (regraded even if unchanged)
    - roster: The LMS's gradebook export, to fill the LMS import's ID columns (kept
      for later runs)
    - due: The due date (kept in the gradebook); submissions after it are late
    - late_penalty: Fraction of the score lost per started day late (kept)
    - timezone: Zone of times given without one (kept; default the machine's)
    - canvas_column: canvas.csv's assignment column, see export.canvas_column (kept)

    Returns:
    - Run: every record of the course, who was graded now, what was not graded and
      the problems verify found (empty when all is consistent)

    Raises UsageError, before any work, for input it cannot use.
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    check_inputs(submissions, out, jobs)
    for student in students or []:
        if (problem := id_problem(student)) is not None:
            raise UsageError(f"--student {student!r} is not a student id ({problem})")
    intake = read_intake(submissions)
    entries = intake.entries
    if students:
        unknown = sorted(set(students) - {entry.student_id for entry in entries})
        if unknown:
            raise UsageError(f"no submission of {', '.join(unknown)} in {submissions}")
        entries = [entry for entry in entries if entry.student_id in students]
    if not entries:
        reasons = "; ".join(": ".join(item.shown()) for item in intake.not_graded[:3])
        raise UsageError(f"no submission found in {submissions} ({reasons})")
    course = out / "course"
    loaded_roster, duedate = _settings(course, roster, due, late_penalty, timezone, canvas_column)
    zone_name = read_settings(course).get("timezone")
    for partial in [*out.glob(".*.partial"), *out.glob("*/.*.partial")]:  # left by a kill
        partial.unlink()
    build_course(course, private_roots=[out])
    if duedate is not None:
        set_due_date(course, duedate)
    policy = late_policy(course)
    tasks, not_graded, unchanged = [], list(intake.not_graded), 0
    for entry in entries:
        submission = read_submission(entry.student_id, entry.source)
        info, timestamp = lms_info(entry, loaded_roster, zone_name)
        timestamp = timestamp or late_mark_time(entry, policy)
        task = StudentWork(
            submission, submission_fingerprint(submission), info, timestamp, policy, entry.secret
        )
        done = read_result(out, entry.student_id)
        if force or students or not done or done.get("failed", True):
            tasks.append(task)  # a results file without the flag is from an older kit
        elif done.get("policy") != policy:
            tasks.append(task)  # a new due date or penalty: nbgrader computes it at autograde
        elif done.get("fingerprint") == task.fingerprint:
            if same_student(done.get("lms"), info):
                unchanged += 1
            else:
                tasks.append(task)  # the same files, but the LMS (or a roster) says more
        elif recorded_time(info, zone_name) >= recorded_time(done.get("lms", {}), zone_name):
            tasks.append(task)
        else:
            graded_from = ", ".join(done.get("lms", {}).get("files", []))
            again = make_command(
                "grade", SUBMISSIONS=submissions, OUT=out, STUDENT=entry.student_id
            )
            reason = (
                f"older than the submission of {entry.student_id} graded before ({graded_from}); "
                f"`{again}` grades it anyway"
            )
            not_graded += [NotGraded(path, reason, superseded=True) for path in entry.files]
    if unchanged:
        print(f"{unchanged} student(s) already graded as they are now (FORCE=1 regrades them)")
    if tasks:
        checks = hidden_checks([out, submissions])
        progress = tqdm(total=len(tasks), unit="student", desc="grading")
        for result in _run_tasks(tasks, out, checks, jobs):
            shown = "failed" if result["failed"] else f"{result['score']:g}/{AUTOGRADED_TOTAL:g}"
            progress.set_postfix_str(f"{result['student_id']}: {shown}")
            progress.update()
        progress.close()
    if (out / "work").is_dir() and not any((out / "work").iterdir()):
        (out / "work").rmdir()
    not_graded.sort(key=lambda item: item.path.name)
    write_atomically(out / "not_graded.csv", not_graded_csv(not_graded))
    records = write_reports(out)
    graded = [t.submission.student_id for t in tasks]
    return Run(out, records, graded, not_graded, verify(out))


def _run_tasks(tasks: list[StudentWork], out: Path, checks, jobs: int):
    """Results of grading every task, in order: in this process for one job, else a pool."""
    if jobs == 1:
        worker = Worker(out, checks)
        for task in tasks:
            yield worker.grade(task)
        return
    with ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(out, checks)) as pool:
        yield from pool.map(_grade_in_worker, tasks)


def read_result(out: Path, student_id: str) -> dict:
    """A student's results file, {} if there is none."""
    path = inside(out / "results", f"{student_id}.json")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def print_run(run: Run) -> None:
    """The summary of a run for the terminal: scores, leaderboard, what is left to grade by
    hand, what was not graded, verify's problems."""
    print(summary_text(run.records))
    print(leaderboard_summary(run.records))
    if line := manual_work_line(run.records, run.out):
        print(line)
    listed = [item for item in run.not_graded if not item.junk]
    if listed:
        print(f"{len(listed)} file(s) not graded (also in not_graded.csv):")
        for item in listed:
            print("  " + ": ".join(item.shown()))
    for problem in run.problems:
        print(f"problem: {problem}")
