"""Command line of the instructor tools: `python -m autograder COMMAND [options]`.

Run `python -m autograder COMMAND --help` for the options of a command.
"""

import argparse
import shlex
import sys
import tomllib
from pathlib import Path

from autograder.blas import configure_blas

configure_blas()  # one BLAS thread, the pinned kernels: before anything imports numpy

from autograder.paths import BUILD, CACHE, REPO  # noqa: E402

EXIT_CODES = """exit status of grade, report and verify (make grade, make report, make verify):
  0  everything was graded as designed: every submission graded (an upload or attempt
     that a later one of the same student supersedes is listed, not graded, by design;
     inline answers waiting for a TA are listed too), and gradebook, verdicts, results,
     CSVs and feedback agree
  1  something is wrong with the course: verify found a problem (a manual grade given
     to an earlier answer, outputs older than the gradebook, ...) or grading failed for
     a student; every problem is listed. Also an internal error (one line; --debug
     shows the traceback)
  2  bad input: an option, folder, setting, roster or course file that cannot be used;
     one line says why, and no student was graded and no report written
  3  (grade only) graded and consistent, but some files of the folder could not be
     graded (listed with the reason, and in OUT/not_graded.csv): a name that cannot be
     made a student id, two submissions of one id, a .rar, a loose file, ...
  130  interrupted (Ctrl-C): the same command resumes"""


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Help that shows every option's default (or that it is required or a switch) and
    keeps the text's line breaks."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS:
            return text
        if action.required:
            return f"{text} (required)"
        if isinstance(action.default, bool):
            return f"{text} (a switch; off by default)"
        if action.default is not None:
            return f"{text} (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit status 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def version() -> str:
    """The kit's version (pyproject.toml) and nbgrader's (none on Gradescope)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    try:
        nbgrader = f"nbgrader {installed('nbgrader')}"
    except PackageNotFoundError:
        nbgrader = "without nbgrader"
    return f"{project['name']} {project['version']} ({nbgrader})"


def release(args) -> int:
    from autograder.release.leaks import find_leaks, student_facing_files
    from autograder.release.release import check_release, write_release

    if not args.check:
        for path in write_release():
            print(f"wrote {path}")
        return 0
    stale = check_release()
    for name in stale:
        print(f"stale: {name} (run `make release`)")
    leaks = find_leaks(student_facing_files())
    for leak in leaks:
        print(f"leak: {leak}")
    if not stale and not leaks:
        print("student files are fresh and hold no answer or hidden test")
    return 1 if stale or leaks else 0


def solution(args) -> int:
    from autograder.release.solution import build_solution_package

    print(f"wrote {build_solution_package(args.out)}")
    return 0


def demo(args) -> int:
    from autograder.demo import run_demo

    run_demo(args.out.resolve())
    return 0


def examples(args) -> int:
    from autograder.examples import write_examples

    for path in write_examples(args.out):
        print(f"wrote {path}")
    return 0


def run_status(run) -> int:
    """The exit status of a grading run (see EXIT_CODES)."""
    from autograder.course.records import failed

    graded = {record["student_id"]: record for record in run.records}
    if run.problems or any(failed(graded[student]) for student in run.graded):
        return 1
    return 3 if any(not (item.junk or item.superseded) for item in run.not_graded) else 0


def grade(args) -> int:
    from autograder.grade import grade_all, print_run

    run = grade_all(
        args.submissions,
        args.out,
        jobs=args.jobs,
        force=args.force,
        students=args.student,
        roster=args.roster,
        due=args.due,
        late_penalty=args.late_penalty,
        timezone=args.timezone,
        canvas_column=args.canvas_column,
    )
    print_run(run)
    print(f"wrote grades.csv, canvas.csv, feedback/ and summary.png in {args.out.resolve()}")
    return run_status(run)


def course_folder(out: Path) -> Path:
    """OUT, if it holds a course (else UsageError)."""
    from autograder.hints import shown_path
    from autograder.usage import UsageError

    if not (out / "course" / "gradebook.db").is_file():
        first = f"make grade SUBMISSIONS=<folder> OUT={shlex.quote(shown_path(out))}"
        raise UsageError(f"{out} holds no course (no course/gradebook.db): `{first}` first")
    return out


def report(args) -> int:
    from autograder.grade import write_reports
    from autograder.reports.integrity import verify as find_problems
    from autograder.reports.report import leaderboard_summary, manual_work_line, summary_text

    records = write_reports(course_folder(args.out))
    print(summary_text(records))
    print(leaderboard_summary(records))
    if line := manual_work_line(records, args.out):
        print(line)
    problems = find_problems(args.out)
    for problem in problems:
        print(f"problem: {problem}")
    print(f"wrote grades.csv, canvas.csv, feedback/ and summary.png in {args.out.resolve()}")
    return 1 if problems else 0


def verify(args) -> int:
    from autograder.reports.integrity import verify as find_problems

    problems = find_problems(course_folder(args.out))
    for problem in problems:
        print(f"problem: {problem}")
    if not problems:
        print(f"{args.out}: gradebook, verdicts, results, CSVs and feedback agree")
    return 1 if problems else 0


def prepare(args) -> int:
    from autograder.checks.hidden_cache import hidden_checks
    from autograder.leaderboard.heldout import heldout_split
    from autograder.reference import reference_modules

    reference_modules()
    split = heldout_split()
    print(f"held-out split ready: {len(split.features)} images")
    hidden_checks([])
    if args.no_course:
        print(f"the hidden checks' reference outputs ready in {CACHE}")
        return 0
    from autograder.course.course import course_template, source_notebooks

    course_template(source_notebooks())
    print(f"the hidden checks' reference outputs and the template course ready in {CACHE}")
    return 0


def similarity(args) -> int:
    from autograder.similarity.run import SimilarityError, similarity_report
    from autograder.usage import UsageError

    try:
        report = similarity_report(
            args.submissions, args.out, args.reference, args.threshold, args.jobs
        )
    except SimilarityError as error:
        raise UsageError(str(error)) from error
    print(report)
    return 0


def student_bundle(args) -> int:
    from autograder.release.student_bundle import BundleRefused, build_student_bundle

    try:
        print(f"wrote {build_student_bundle(args.out.resolve(), root=args.root.resolve())}")
    except BundleRefused as refused:
        print(f"{refused}\nno bundle written", file=sys.stderr)
        return 1
    return 0


def hub(args) -> int:
    from autograder.exchange.hub import set_up_hub
    from autograder.release.student_bundle import BundleRefused

    try:
        lines = set_up_hub(args.out, args.course_id, args.exchange, args.shared_data)
    except BundleRefused as refused:
        print(f"{refused}\nthe course's release was left as it was", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def gradescope(args) -> int:
    from autograder.gradescope.bundle import build_bundle
    from autograder.points import AUTOGRADED_TOTAL

    print(f"wrote {build_bundle(args.out, args.visibility)}")
    print(f"set the Gradescope assignment's autograder points to {AUTOGRADED_TOTAL:g}")
    return 0


def gradescope_run(args) -> int:
    from autograder.gradescope.results import run

    results = run(args.root.resolve())
    total = sum(test.get("score", 0) for test in results["tests"])  # checks have no score
    print(f"wrote {args.root / 'results' / 'results.json'}: {total:g} points")
    return 0


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def fraction(text: str) -> float:
    """An argparse type: a number between 0 and 1."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {value:g})")
    return value


def add_grade_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "submissions",
        type=Path,
        help="folder of submissions: an unzipped Canvas, Moodle or Blackboard download, or "
        "<student_id>.zip / .tar.gz files and <student_id>/ folders",
    )
    p.add_argument("--out", type=Path, required=True, help="the course folder (created, and kept)")
    p.add_argument("--jobs", type=positive, default=1, help="worker processes")
    p.add_argument(
        "--force", action="store_true", help="regrade students already graded as they are now"
    )
    p.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="grade only this student (repeat for several), even if unchanged; all if unset",
    )
    p.add_argument(
        "--roster",
        type=Path,
        help="the LMS's gradebook export (Canvas, Moodle or Blackboard), to fill the ID "
        "columns of the LMS import; kept for later runs; none if unset",
    )
    p.add_argument(
        "--due", metavar="TIME", help="due date, e.g. '2024-10-01 23:59'; kept; none if unset"
    )
    p.add_argument(
        "--late-penalty",
        type=fraction,
        metavar="FRACTION",
        help="fraction of the score lost per started day late (0.1 = 10%%); kept; none if unset",
    )
    p.add_argument(
        "--canvas-column",
        metavar="COLUMN",
        help="canvas.csv's assignment column: the roster's column by its header "
        "('HW3 Image Captioning (98765)'), title or assignment id, or the title of a new "
        "assignment; kept; if unset, the roster's captioning column (else 'Captioning')",
    )
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        help="time zone of times written without one (e.g. Europe/Zurich); kept; "
        "the machine's own if unset",
    )


def parser() -> Parser:
    """The command line: every command with one line of help, every option with its default."""
    from autograder.gradescope.bundle import DEFAULT_VISIBILITY, VISIBILITIES

    top = Parser(
        prog="python -m autograder",
        description=__doc__,
        epilog=EXIT_CODES,
        formatter_class=Formatter,
    )
    top.add_argument("--version", action="version", version=version())
    top.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    commands = top.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )

    def command(name: str, help: str, run) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help, description=help, formatter_class=Formatter)
        p.set_defaults(run=run)
        return p

    p = command("release", "regenerate the student files from autograder/source", release)
    p.add_argument(
        "--check",
        action="store_true",
        help="only report stale student files and leaked answers; exit 1 if any",
    )
    p = command("solution", "write the solved package (hand it out after the deadline)", solution)
    p.add_argument("--out", type=Path, default=BUILD / "solution", help="output folder")
    p = command("demo", "run both notebooks with the solved package", demo)
    p.add_argument("--out", type=Path, default=BUILD / "demo", help="output folder")
    p = command("examples", "write the example submissions (reference, stubs, ...)", examples)
    p.add_argument("--out", type=Path, default=BUILD / "examples", help="output folder")
    p = command("grade", "grade a folder of submissions into a course folder", grade)
    p.epilog = EXIT_CODES
    add_grade_options(p)
    p = command("report", "rewrite a course's CSVs and feedback from its gradebook", report)
    p.add_argument("out", type=Path, help="the course folder (OUT of grade)")
    p = command("verify", "check that a course's gradebook, CSVs and feedback agree", verify)
    p.add_argument("out", type=Path, help="the course folder (OUT of grade)")
    p = command(
        "prepare",
        "build what every grading run reuses (the leaderboard's held-out split, the hidden "
        "checks' reference outputs, the template course); else built on first use",
        prepare,
    )
    p.add_argument(
        "--no-course",
        action="store_true",
        help="leave out the template course (Gradescope's setup.sh: no nbgrader there)",
    )
    p = command("similarity", "similarity report of a folder of submissions", similarity)
    p.add_argument("submissions", type=Path, help="folder of <student_id>.zip or <student_id>/")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--reference",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="DIR",
        help="folders of public solutions to compare every submission with",
    )
    p.add_argument("--threshold", type=float, default=0.95, help="flag at this score")
    p.add_argument("--jobs", type=int, default=2, help="worker processes")
    p = command("student-bundle", "write the zip handed to students", student_bundle)
    p.add_argument(
        "--out", type=Path, default=Path("dist") / "captioning-student.zip", help="zip to write"
    )
    p.add_argument(
        "--root",
        type=Path,
        default=REPO,
        help="the checkout whose cs231n/, notebooks/ and data/ go in",
    )
    p = command(
        "hub",
        "set up a course folder for nbgrader's exchange on a JupyterHub: the student package "
        "in its release, the course id and exchange in its nbgrader_config.py",
        hub,
    )
    p.add_argument("--out", type=Path, required=True, help="the course folder (OUT of grade)")
    p.add_argument("--course-id", metavar="ID", help="the course id on the exchange; kept")
    p.add_argument("--exchange", type=Path, metavar="DIR", help="the exchange folder; kept")
    p.add_argument(
        "--shared-data",
        type=Path,
        metavar="DIR",
        help="copy the dataset there, read-only for everyone (else students build their own)",
    )
    p = command("gradescope", "write the Gradescope autograder bundle", gradescope)
    p.add_argument(
        "--out", type=Path, default=Path("dist") / "gradescope-autograder.zip", help="zip to write"
    )
    p.add_argument(
        "--visibility",
        choices=list(VISIBILITIES),
        default=DEFAULT_VISIBILITY,
        help="when students see the autograded tests' scores and messages",
    )
    p = command("gradescope-run", "(on Gradescope) grade one submission", gradescope_run)
    p.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's root")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; bad input and internal errors end in one line, never a traceback."""
    from autograder.usage import UsageError

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - one line for the user, the traceback on request
        if args.debug:
            raise
        print(
            f"error: {type(error).__name__}: {error} (an internal error; run again with "
            "`python -m autograder --debug ...` for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
