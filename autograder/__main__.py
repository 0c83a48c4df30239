"""Command line of the instructor tools: `python -m autograder COMMAND`.

release [--check]        regenerate the student files (or prove they are fresh)
solution [--out DIR]     write the solved package
demo [--out DIR]         run both notebooks with the solved package
examples [--out DIR]     write the example submissions
grade SUBMISSIONS --out OUT [--jobs N] [--force]
verify OUT               check that a grading run's gradebook, results and CSV agree
heldout                  build the leaderboard's held-out split (else built on first use)
"""

import argparse
import os
import sys
from pathlib import Path

# One BLAS thread per process: the grader's matrices are tiny, and a multithreaded
# OpenBLAS spinning against parallel workers was measured 50x slower. Set before
# anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from autograder.gradescope import DEFAULT_VISIBILITY, VISIBILITIES
from autograder.paths import BUILD


def release(args) -> int:
    from autograder.leaks import find_leaks, student_facing_files
    from autograder.release import check_release, write_release

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
    from autograder.solution import build_solution_package

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


def grade(args) -> int:
    from autograder.grading import grade_all

    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    grade_all(args.submissions, args.out, jobs=args.jobs, force=args.force)
    return 0


def verify(args) -> int:
    from autograder.integrity import verify as find_problems

    problems = find_problems(args.out)
    for problem in problems:
        print(f"problem: {problem}")
    if not problems:
        print(f"{args.out}: gradebook, results and grades.csv agree")
    return 1 if problems else 0


def heldout(args) -> int:
    from autograder.leaderboard.heldout import heldout_split
    from autograder.reference import reference_modules

    reference_modules()
    split = heldout_split()
    print(f"held-out split ready: {len(split.features)} images")
    return 0


def student_bundle(args) -> int:
    from autograder.student_bundle import build_student_bundle

    print(f"wrote {build_student_bundle(args.out)}")
    return 0


def gradescope(args) -> int:
    from autograder.gradescope import build_bundle

    print(f"wrote {build_bundle(args.out, args.visibility)}")
    return 0


def gradescope_run(args) -> int:
    from autograder.gradescope import run

    results = run(args.root.resolve())
    total = sum(test.get("score", 0) for test in results["tests"])  # checks have no score
    print(f"wrote {args.root / 'results' / 'results.json'}: {total:g} points")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("release", help="regenerate the student files")
    p.add_argument(
        "--check",
        action="store_true",
        help="only report stale student files and leaked answers; exit 1 if any",
    )
    p.set_defaults(run=release)
    p = commands.add_parser("solution", help="write the solved package")
    p.add_argument("--out", type=Path, default=BUILD / "solution")
    p.set_defaults(run=solution)
    p = commands.add_parser("demo", help="run both notebooks with the solved package")
    p.add_argument("--out", type=Path, default=BUILD / "demo")
    p.set_defaults(run=demo)
    p = commands.add_parser("examples", help="write the example submissions")
    p.add_argument("--out", type=Path, default=BUILD / "examples")
    p.set_defaults(run=examples)
    p = commands.add_parser("grade", help="grade a folder of submissions")
    p.add_argument("submissions", type=Path, help="folder of <student_id>.zip or <student_id>/")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--force", action="store_true", help="regrade students graded before")
    p.set_defaults(run=grade)
    p = commands.add_parser("verify", help="check a grading run's outputs agree")
    p.add_argument("out", type=Path, help="the OUT folder of a grading run")
    p.set_defaults(run=verify)
    p = commands.add_parser("heldout", help="build the leaderboard's held-out split")
    p.set_defaults(run=heldout)
    p = commands.add_parser("student-bundle", help="write the zip handed to students")
    p.add_argument("--out", type=Path, default=Path("dist") / "captioning-student.zip")
    p.set_defaults(run=student_bundle)
    p = commands.add_parser("gradescope", help="write the Gradescope autograder bundle")
    p.add_argument("--out", type=Path, default=Path("dist") / "gradescope-autograder.zip")
    p.add_argument(
        "--visibility",
        choices=list(VISIBILITIES),
        default=DEFAULT_VISIBILITY,
        help="when students see the autograded tests' scores and messages (default: %(default)s)",
    )
    p.set_defaults(run=gradescope)
    p = commands.add_parser("gradescope-run", help="(on Gradescope) grade one submission")
    p.add_argument("--root", type=Path, default=Path("/autograder"))
    p.set_defaults(run=gradescope_run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
