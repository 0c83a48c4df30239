"""Command line of the instructor tools: `python -m autograder COMMAND`."""

import argparse
import sys
from pathlib import Path

from autograder.paths import BUILD
from autograder.release import check_release, write_release
from autograder.solution import build_solution_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate the student files")
    release.add_argument(
        "--check", action="store_true", help="only report stale student files; exit 1 if any"
    )
    solution = commands.add_parser("solution", help="write the solved package")
    solution.add_argument("--out", type=Path, default=BUILD / "solution")
    args = parser.parse_args(argv)

    if args.command == "release" and args.check:
        stale = check_release()
        for name in stale:
            print(f"stale: {name} (run `make release`)")
        return 1 if stale else 0
    if args.command == "release":
        for path in write_release():
            print(f"wrote {path}")
        return 0
    package = build_solution_package(args.out)
    print(f"wrote {package}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
