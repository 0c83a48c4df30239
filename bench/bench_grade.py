"""`make bench-grade`: grading cost per submission, and the speedup of parallel workers.

Grades K copies of the four example submissions (reference, stubs, partial, buggy)
once with one worker and once with two, in one run, and prints CPU seconds per
submission (the grader process, its workers and every sandbox), wall time and the
speedup of --jobs 2 over --jobs 1.

Usage: python bench/bench_grade.py [--copies K]
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.examples import write_examples  # noqa: E402
from autograder.grading import grade_all  # noqa: E402


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(submissions: Path, out: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one grading run."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    grade_all(submissions, out, jobs=jobs)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="copies of each example")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        examples, submissions = scratch / "examples", scratch / "submissions"
        submissions.mkdir()
        for path in write_examples(examples):
            for copy in range(args.copies):
                shutil.copy(path, submissions / f"{path.stem}{copy}.zip")
        count = 4 * args.copies
        rows = {jobs: measure(submissions, scratch / f"out{jobs}", jobs) for jobs in (1, 2)}
        same = (scratch / "out1" / "grades.csv").read_text() == (
            scratch / "out2" / "grades.csv"
        ).read_text()
    print(f"\n{count} submissions (both notebooks and all 16 hidden checks each)")
    print(f"{'jobs':>4}  {'wall s':>8}  {'CPU s / submission':>18}")
    for jobs, (wall, cpu) in rows.items():
        print(f"{jobs:>4}  {wall:8.1f}  {cpu / count:18.2f}")
    print(f"speedup of --jobs 2: {rows[1][0] / rows[2][0]:.2f}x; same grades.csv: {same}")


if __name__ == "__main__":
    main()
