"""`make bench-similarity`: time the similarity report on synthetic classes.

Each synthetic student hands in an LMS-style zip (both student-edited modules and both
notebooks). Every function of a student is one of the test corpus's independent
solutions, chosen at random, then edited at random (adjacent lines swapped, a line
dropped, a line of another solution of the same function added), so that the class
has as many distinct solutions as a real one and most pairs share a few functions by
chance. A few students are planted copies of a classmate (two lines swapped per
function). The command runs as a subprocess per class size; the table gives its wall
time, its CPU time, how many pairs it flagged and how many of the planted copies.

Usage: python bench/bench_similarity.py [--sizes 100 250 500] [--copies 5] [--jobs 2]
"""

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.paths import STUDENT_MODULES  # noqa: E402
from autograder.similarity.corpus import fill_regions, parse_bodies  # noqa: E402
from autograder.similarity.regions import LABELS  # noqa: E402

CORPUS = REPO / "tests" / "similarity_corpus"
STYLES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
SEED = 13


def edited(lines: list[str], others: list[list[str]], rng: random.Random) -> list[str]:
    """A solution's lines with a few random edits."""
    lines = list(lines)
    if len(lines) > 2 and rng.random() < 0.6:
        i = rng.randrange(len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    if len(lines) > 3 and rng.random() < 0.4:
        del lines[rng.randrange(len(lines))]
    if rng.random() < 0.4:
        other = rng.choice(others)
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(other))
    return lines


def synthetic_class(size: int, copies: int, rng: random.Random) -> tuple[dict, set]:
    """student id -> bodies, and the planted (copy, original) pairs."""
    styles = [parse_bodies((CORPUS / f"{name}.txt").read_text()) for name in STYLES]
    solutions = {label: [s[label].splitlines() for s in styles] for label in LABELS}
    students = {}
    for n in range(size - copies):
        bodies = {}
        for label in LABELS:
            base = rng.randrange(len(styles))
            others = solutions[label][:base] + solutions[label][base + 1 :]
            bodies[label] = "\n".join(edited(solutions[label][base], others, rng))
        students[f"student{n:04d}"] = bodies
    planted = set()
    originals = list(students)
    for n in range(copies):
        original = rng.choice(originals)
        copy = {}
        for label, body in students[original].items():
            lines = body.splitlines()
            if len(lines) > 2:
                i = rng.randrange(len(lines) - 1)
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            copy[label] = "\n".join(lines)
        students[f"copy{n:02d}"] = copy
        planted.add(tuple(sorted((f"copy{n:02d}", original))))
    return students, planted


def write_zips(students: dict, folder: Path) -> None:
    """One `<id>.zip` per student with the two modules and the release notebooks."""
    folder.mkdir(parents=True)
    stubs = {module: (REPO / module).read_text() for module in STUDENT_MODULES}
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    for student_id, bodies in students.items():
        with zipfile.ZipFile(folder / f"{student_id}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for module, stub in stubs.items():
                zf.writestr(module, fill_regions(stub, module, bodies))
            for notebook in notebooks:
                zf.write(notebook, f"notebooks/{notebook.name}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(submissions: Path, out: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python -m autograder similarity` run."""
    cpu, wall = children_cpu(), time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "similarity",
            str(submissions),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
        ],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - wall, children_cpu() - cpu


def flagged_pairs(out: Path) -> set:
    with open(out / "similarity.csv") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        return {
            tuple(sorted((r["student_a"], r["student_b"]))) for r in rows if r["flagged"] == "yes"
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 250, 500])
    parser.add_argument("--copies", type=int, default=5, help="planted copies per class")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the command")
    args = parser.parse_args()
    header = ("students", "pairs", "wall s", "CPU s", "flagged")
    print(" ".join(f"{name:>8}" for name in header), f"{'planted found':>14}")
    for size in args.sizes:
        students, planted = synthetic_class(size, args.copies, random.Random(SEED))
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            write_zips(students, scratch / "submissions")
            wall, cpu = run(scratch / "submissions", scratch / "out", args.jobs)
            flagged = flagged_pairs(scratch / "out")
        pairs = size * (size - 1) // 2
        found = len(planted & flagged)
        print(
            f"{size:>8} {pairs:>8} {wall:8.1f} {cpu:8.1f} {len(flagged):>8} "
            f"{found:>6} of {len(planted)}"
        )


if __name__ == "__main__":
    main()
