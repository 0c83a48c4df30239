"""`make bench-grade`: grading cost per submission, the speedup of parallel workers,
the fixed start-up and the time to regrade one student.

0. The hidden checks alone (the sandboxes included): CPU seconds for the reference
   solution, and the mean and the largest over the realistic student code of
   tests/student_corpus/ (issue 9's budget: at most 5 and at most 10 on average).
1. Start-up: computing the hidden checks' reference outputs (the cache in build/cache
   emptied first) against loading them from the cache, and building a new course
   against opening an existing one.
2. Grades N submissions (the four examples, reference, stubs, partial and buggy,
   in turn) once with one worker and once with two, and prints CPU seconds per
   submission (the grader process, its workers and every sandbox), wall time and
   the speedup of --jobs 2 over --jobs 1 (start-up included, as a user sees it).
3. Regrades one student (`--student`) in the course of step 2, as a user runs it:
   the command line in a fresh process, wall time from start to exit.

Usage: python bench/bench_grade.py [--count N] [--checks-only]
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]  # the kit, and the corpus's helpers

from test_student_corpus import CASES, submission  # noqa: E402

from autograder.checks.hidden_cache import hidden_checks  # noqa: E402
from autograder.course.course import build_course  # noqa: E402
from autograder.examples import write_examples  # noqa: E402
from autograder.grade import grade_all  # noqa: E402
from autograder.paths import BUILD, CACHE, REPO  # noqa: E402


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of calling work()."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    work()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def startup(scratch: Path) -> dict[str, float]:
    """Wall seconds of each part of the fixed start-up, cold and warm."""
    for cached in CACHE.glob("hidden-checks-*.pickle"):
        cached.unlink()
    return {
        "hidden checks computed (empty cache)": timed(lambda: hidden_checks([scratch]))[0],
        "hidden checks loaded from the cache": timed(lambda: hidden_checks([scratch]))[0],
        "new course (nbgrader generate_assignment)": timed(lambda: build_course(scratch / "c"))[0],
        "existing course": timed(lambda: build_course(scratch / "c"))[0],
    }


def checks_cpu(scratch: Path) -> tuple[float, dict[str, float]]:
    """CPU seconds of the hidden checks on the reference, and on each corpus case."""
    checks = hidden_checks([scratch])
    reference = timed(lambda: checks.grade(BUILD / "solution", scratch / "reference"))[1]
    corpus = {}
    for case in sorted(CASES):
        package, work = submission(case, scratch / case), scratch / case / "work"
        corpus[case] = timed(lambda p=package, w=work: checks.grade(p, w))[1]
    return reference, corpus


def print_checks_cpu(scratch: Path) -> None:
    reference, corpus = checks_cpu(scratch)
    print("hidden checks, CPU s per submission (sandboxes included):")
    print(f"  reference solution                 {reference:6.2f}  (budget 5)")
    mean = sum(corpus.values()) / len(corpus)
    slowest = max(corpus, key=corpus.get)
    print(f"  student corpus, mean of {len(corpus)} cases     {mean:6.2f}  (budget 10)")
    print(f"  student corpus, largest            {corpus[slowest]:6.2f}  ({slowest})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="submissions to grade")
    parser.add_argument("--checks-only", action="store_true", help="only step 0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        print_checks_cpu(scratch / "checks")
        if args.checks_only:
            return
        fixed = startup(scratch / "startup")
        examples, submissions = scratch / "examples", scratch / "submissions"
        submissions.mkdir()
        paths = write_examples(examples)
        count = args.count
        for number in range(count):
            path = paths[number % len(paths)]
            shutil.copy(path, submissions / f"{path.stem}{number}.zip")
        rows = {}
        for jobs in (1, 2):
            out = scratch / f"out{jobs}"
            rows[jobs] = timed(lambda out=out, jobs=jobs: grade_all(submissions, out, jobs=jobs))
        same = (scratch / "out1" / "grades.csv").read_text() == (
            scratch / "out2" / "grades.csv"
        ).read_text()
        command = [sys.executable, "-m", "autograder", "grade", str(submissions)]
        command += ["--out", str(scratch / "out1"), "--student", f"{paths[0].stem}0"]
        regrade = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        regrade = time.perf_counter() - regrade
    print("\nfixed start-up (wall s):")
    for what, seconds in fixed.items():
        print(f"  {what:<44} {seconds:6.2f}")
    print(f"\n{count} submissions (both notebooks and all 16 hidden checks each)")
    print(f"{'jobs':>4}  {'wall s':>8}  {'CPU s / submission':>18}")
    for jobs, (wall, cpu) in rows.items():
        print(f"{jobs:>4}  {wall:8.1f}  {cpu / count:18.2f}")
    print(f"speedup of --jobs 2: {rows[1][0] / rows[2][0]:.2f}x; same grades.csv: {same}")
    print(f"regrading one student (`grade --student`, a fresh process): {regrade:.1f} s wall")


if __name__ == "__main__":
    main()
