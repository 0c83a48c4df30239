"""Command line of the instructor tools: `python -m autograder COMMAND`."""

import argparse
import sys
from pathlib import Path

from autograder.demo import run_demo
from autograder.leaks import find_leaks, student_facing_files
from autograder.paths import BUILD
from autograder.release import check_release, write_release
from autograder.solution import build_solution_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate the student files")
    release.add_argument(
        "--check",
        action="store_true",
        help="only report stale student files and leaked answers; exit 1 if any",
    )
    solution = commands.add_parser("solution", help="write the solved package")
    solution.add_argument("--out", type=Path, default=BUILD / "solution")
    demo = commands.add_parser("demo", help="run both notebooks with the solved package")
    demo.add_argument("--out", type=Path, default=BUILD / "demo")
    args = parser.parse_args(argv)

    if args.command == "release" and args.check:
        stale = check_release()
        for name in stale:
            print(f"stale: {name} (run `make release`)")
        leaks = find_leaks(student_facing_files())
        for leak in leaks:
            print(f"leak: {leak}")
        if not stale and not leaks:
            print("student files are fresh and hold no answer or hidden test")
        return 1 if stale or leaks else 0
    if args.command == "release":
        for path in write_release():
            print(f"wrote {path}")
        return 0
    if args.command == "demo":
        run_demo(args.out.resolve())
        return 0
    package = build_solution_package(args.out)
    print(f"wrote {package}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
