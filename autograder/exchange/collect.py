"""`nbgrader collect` in a kit course: the exchange's submissions through the kit's intake.

nbgrader's own collect picks, for each student, the submission to collect (the latest;
with --before-duedate the latest before the due date) and copies its folder into
`submitted/<student>/`, named by the student id in the exchange's folder name. That id
is the student's choice (`nbgrader submit --student`), and the folder holds whatever the
student put there. KitCollect (the course's `ExchangeFactory.collect`) keeps nbgrader's
choice of submissions and replaces the copying:

- a submission that is not collected is logged, and listed in OUT/collected for the
  grading run's not_graded.csv (exchange_inbox.NOT_COLLECTED);
- a submission whose student id cannot name a file (ids.py) is not collected;
- the exchange's inbound/ is writable by every student, so a folder named for a student
  who is an account on this machine is collected only if that account owns it; for a
  student who is no account here (a course whose ids are not the machine's user names)
  who owns it cannot be told, which is said once, and nbgrader's warning stays;
- the time in a folder's name is the student's choice too: a submission's time is the
  earlier of it and the folder's ctime, which no student can set, so a name in the
  future moves neither its lateness nor which submission is collected; a name more than
  BACKDATED in the past of its folder's last change is logged for a person to check (it
  cannot be told from a folder changed since: docs/jupyterhub.md);
- only the student-edited files and the trained captioners are read, by the kit's
  intake (submissions.py: size-capped, links never followed), into
  OUT/collected/<student>/ with the submission's time and secret (exchange_inbox.py);
- the submission is laid out in `submitted/<student>/captioning/` as `make grade` lays
  one out (worker.lay_out: inert notebooks, release copies for missing files and for a
  notebook nbgrader cannot take), so `nbgrader autograde` can grade it at once, and
  `make grade SUBMISSIONS=OUT/collected OUT=OUT` grades it like any other;
- --update and --before-duedate keep nbgrader's meaning, and nbgrader's warning about a
  submission owned by another account than the student's stays.
"""

import os
import pwd
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import find_owner

from autograder.course.worker import StudentWork, lay_out, notebook_checks
from autograder.intake.exchange_inbox import (
    INBOX,
    collected_time,
    exchange_secret,
    write_collected,
    write_not_collected,
)
from autograder.intake.ids import id_problem, inside
from autograder.intake.submissions import read_submission
from autograder.plain_text import plain

# How much later than the time in its name a submission folder may have last changed
# (nbgrader's submit names the folder, then copies the files in).
BACKDATED = timedelta(minutes=10)


def owner(path: Path) -> str:
    """The account that owns a file (as nbgrader's collect names it)."""
    try:
        return find_owner(path)
    except (KeyError, OSError):
        return "an account without a name"


class KitCollect(ExchangeCollect):
    """nbgrader's collect, through the kit's intake (module docstring)."""

    owners_unchecked_said = False

    def _path_to_record(self, path: str) -> dict:
        """nbgrader's record of a submission folder on the exchange (username, filename,
        timestamp), its timestamp no later than the folder's ctime (naive UTC)."""
        record = super()._path_to_record(path)
        changed = datetime.fromtimestamp(os.lstat(path).st_ctime, UTC).replace(tzinfo=None)
        if record["timestamp"] < changed - BACKDATED:
            self.log.warning(
                "%s names the time %s but was last changed at %s (UTC): a name written by "
                "hand, or the folder changed since; its lateness uses the name's time, check it "
                "(docs/jupyterhub.md)",
                plain(Path(path).name, 200),
                record["timestamp"],
                changed,
            )
        record["timestamp"] = min(record["timestamp"], changed)
        return record

    def foreign(self, source: Path, student: str) -> str | None:
        """Why a submission folder is not the named student's (None if it is, or if the
        student is no account on this machine, which is then said once)."""
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            if not self.owners_unchecked_said:
                self.owners_unchecked_said = True
                self.log.warning(
                    "%s is no account on this machine: who put a submission on the exchange "
                    "is not checked for such students",
                    student,
                )
            return None
        if source.lstat().st_uid == uid:
            return None
        return f"owned by {owner(source)}, not by the student's account {student}"

    def copy_files(self) -> None:
        course = Path(self.coursedir.root).resolve()
        if not self.src_records:
            self.log.warning(
                "No submissions of %r for course %r to collect",
                self.coursedir.assignment_id,
                self.coursedir.course_id,
            )
        self.refused = {}
        for record in self.src_records:
            self.collect(record, course, course.parent / INBOX)
        write_not_collected(course.parent / INBOX, self.refused)

    def refuse(self, name: str, reason: str) -> None:
        """Leave a submission of the exchange uncollected: logged, and listed in the
        inbox for the grading run's not_graded.csv."""
        self.log.error("Not collected: %s (%s)", plain(name, 120), plain(reason, 200))
        self.refused[name] = reason

    def wanted(self, folder: Path, submitted) -> bool:
        """Whether a submission made at `submitted` (naive UTC) replaces the one collected
        in folder, by nbgrader's rules (--update, --before-duedate)."""
        if not folder.is_dir():
            return True
        existing = collected_time(folder)
        new = submitted.replace(tzinfo=UTC)
        if self.update and (existing is None or new > existing):
            return True
        return bool(self.before_duedate and existing != new)

    def collect(self, record: dict, course: Path, inbox: Path) -> None:
        """Collect one submission of the exchange (one of nbgrader's records)."""
        student, name = record["username"], plain(record["filename"], 120)
        problem = id_problem(student)
        if problem is not None:
            self.refuse(record["filename"], f"its student id {problem}")
            return
        source = Path(self.inbound_path) / record["filename"]
        if source.is_symlink() or not source.is_dir():
            self.refuse(record["filename"], "not a folder")
            return
        if (refusal := self.foreign(source, student)) is not None:
            self.refuse(record["filename"], refusal)
            return
        if self.check_owner and owner(source) != student:
            self.log.warning(
                "%s claims to be submitted by %s but is owned by %s; cheating attempt? "
                "(unset ExchangeCollect.check_owner to silence this warning)",
                name,
                student,
                owner(source),
            )
        if not self.wanted(inside(inbox, student), record["timestamp"]):
            hint = "" if self.update else ", use --update to update"
            self.log.info("Submission already collected: %s%s", student, hint)
            return
        submission = read_submission(student, source)
        secret = exchange_secret(source)
        write_collected(inbox, student, submission.files, record["timestamp"], secret)
        refused = notebook_checks(course, submission)[1]
        task = StudentWork(submission, "", {}, record["timestamp"], secret=secret)
        lay_out(course, task, set(refused))
        for problem in submission.problems:
            self.log.warning("%s: %s", student, problem)
        self.log.info("Collected %s into %s", student, inbox / student)
