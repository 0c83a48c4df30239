"""Run every hidden check on one student's package and score it.

Each item runs first with the student's own code. An item that loses points is
run again, alone in a fresh sandbox, with the reference versions of its
prerequisites swapped into the student's modules; it keeps the better score.
"""

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.checks import probes
from autograder.checks.cases import hidden_cases
from autograder.checks.compare import CaseResult
from autograder.checks.items import PREREQUISITES, SECONDS, judge
from autograder.checks.overfit import evaluate, overfit_case
from autograder.paths import DATA_DIR
from autograder.points import ITEMS, POINTS
from autograder.reference import prerequisites_source, reference_modules
from autograder.sandbox.run import run_items


@dataclass
class Verdict:
    """The score of one item, and what the student should read about it."""

    item: str
    score: float
    max_score: float
    message: str


class HiddenChecks:
    """The hidden cases and the reference's outputs on them, computed once per run."""

    def __init__(self, data: dict | None = None, private_roots: list[Path] | None = None):
        """Inputs:
        - data: The embedded dataset as load_coco_data returns it (for the overfit
          items); loaded from the default data directory if None
        - private_roots: Directories the student's code must not see, besides the
          kit's own (the grader's output folder, Gradescope's root)
        """
        self.private_roots = list(private_roots or [])
        reference = reference_modules()
        if data is None:
            from cs231n.coco_utils import load_coco_data  # the reference package's copy

            data = load_coco_data(base_dir=DATA_DIR)
        self.cases = {}
        self.expected = {}
        for item in ITEMS:
            if item.startswith("overfit_"):
                cases = [overfit_case(item, data)]
            else:
                cases = hidden_cases(item)
            self.cases[item] = cases
            self.expected[item] = [self._reference_outputs(reference, item, c) for c in cases]

    @staticmethod
    def _reference_outputs(reference, item: str, case: dict) -> dict:
        outputs = getattr(probes, item)(reference, copy.deepcopy(case))
        expected = {name: np.asarray(value) for name, value in outputs.items()}
        if item.startswith("overfit_"):
            expected["case"] = case
            expected["loss"], _ = evaluate(item, case, expected)
        return expected

    def grade(self, package_dir: Path, work_dir: Path) -> dict[str, Verdict]:
        """Score every item on the package in package_dir (a folder holding `cs231n/`).

        Inputs:
        - package_dir: The student's package, provided files from the release
        - work_dir: Scratch directory for the sandbox jobs (emptied first)

        Returns:
        - Map from item name to its Verdict
        """
        if work_dir.exists():
            shutil.rmtree(work_dir)
        own, imported = self._run(package_dir, work_dir / "own", list(ITEMS))
        verdicts = {}
        for item in ITEMS:
            fraction, message = self._judge(item, own[item])
            if fraction < 1.0 and item in PREREQUISITES and imported:
                fraction, message = self._retry(package_dir, work_dir, item, fraction, message)
            points = POINTS[item]
            verdicts[item] = Verdict(item, round(fraction * points, 4), points, message)
        return verdicts

    def _retry(self, package_dir, work_dir, item, fraction, message) -> tuple[float, str]:
        """The item again with reference prerequisites; the better of the two attempts."""
        names = PREREQUISITES[item]
        results, _ = self._run(
            package_dir, work_dir / f"with_reference_{item}", [item], prerequisites_source(names)
        )
        retry_fraction, retry_message = self._judge(item, results[item])
        if retry_fraction <= fraction:
            return fraction, message
        swapped = ", ".join(names)
        note = f"scored with the reference {swapped} in place of yours (yours: {message})"
        if retry_fraction < 1.0:
            note = f"{retry_message}; {note}"
        return retry_fraction, note

    def _judge(self, item: str, results: list[CaseResult] | str) -> tuple[float, str]:
        """The item's score over its cases, and the first problem found."""
        if isinstance(results, str):
            return 0.0, results
        judged = [
            judge(item)(item, result, expected)
            for result, expected in zip(results, self.expected[item], strict=True)
        ]
        case_scores = [score for score, _ in judged]
        # Sampling earns credit per caption; any other item must pass every case.
        fraction = float(np.mean(case_scores) if item.startswith("sample_") else min(case_scores))
        problems = [message for _, message in judged if message]
        return fraction, problems[0] if problems else "all hidden checks pass"

    def _run(
        self, package_dir: Path, job_root: Path, items: list[str], prerequisites: str | None = None
    ) -> tuple[dict[str, list[CaseResult] | str], bool]:
        """Run items in one sandbox (see run_items)."""
        return run_items(
            package_dir,
            job_root,
            {item: self.cases[item] for item in items},
            {item: [list(expected) for expected in self.expected[item]] for item in items},
            SECONDS,
            {item: PREREQUISITES[item] for item in items} if prerequisites else None,
            prerequisites,
            self.private_roots,
        )
