"""Run every hidden check on one student's package and score it, charging each mistake once.

1. Every item runs on the student's own code, in one sandbox.
2. A backward whose outputs are wrong while the student's forward differs from the
   assignment's is judged against the derivative of that forward (checks/derivative.py):
   the forward's mistake is charged at the forward.
3. An item that still loses points is run again with the reference versions of the
   functions it calls swapped in (its retries, in order); it keeps the better score.
4. A classic mistake of the model code found in both the RNN and the LSTM item (the
   loss, sampling) is charged at the RNN item only.
5. Right values from a function that changed an input in place lose a share of the item
   (points.toml), not the item.
"""

import ast
import copy
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from autograder.checks import derivative, probes
from autograder.checks.compare import close
from autograder.checks.item import Case, Item
from autograder.checks.items import ITEMS
from autograder.checks.judgements import CaseVerdict, judge_sample
from autograder.checks.results import CaseResult
from autograder.checks.summary import Outcome, summarise, with_notes
from autograder.paths import DATA_DIR, STUDENT_MODULES
from autograder.points import IN_PLACE_DEDUCTION, POINTS
from autograder.reference import prerequisites_source, reference_modules
from autograder.sandbox.run import Task, run_items

STEP_FORWARDS = ("rnn_step_forward", "lstm_step_forward")
# How to avoid changing each input in place, by name.
IN_PLACE_FIXES = {
    "dnext_c": "write `dc = dnext_c + ...` instead of `dnext_c += ...`",
    "dnext_h": "write `dh_total = dnext_h + ...` instead of `dnext_h += ...`",
    "dh": "write `dnext_h = dh[:, t] + dprev_h` instead of `dh[:, t] += dprev_h`",
}


@dataclass
class Verdict:
    """The score of one item, and what the student should read about it."""

    item: str
    score: float
    max_score: float
    message: str


@dataclass
class Attempt:
    """One run of an item: its outcome, the raw results, and the reference functions used."""

    outcome: Outcome
    results: list[CaseResult] | str
    swapped: tuple[str, ...] = ()
    retried: "Attempt | None" = None  # the last retry, when this attempt still counts


def raises_not_implemented(function: ast.FunctionDef) -> bool:
    """Whether a `raise NotImplementedError` is among the top-level statements of a body."""
    return any(
        isinstance(statement, ast.Raise)
        and statement.exc is not None
        and "NotImplementedError" in ast.unparse(statement.exc)
        for statement in function.body
    )


def unwritten(source: dict[str, list[str]]) -> set[str]:
    """Functions and methods of the student's files that are still release stubs.

    A name counts when its last definition at module or class level raises
    NotImplementedError unconditionally, as the stubs do, and nothing assigns to that
    name afterwards (a later `def` or `CaptioningRNN.sample = ...` wins).
    """
    state: dict[str, bool] = {}
    for lines in source.values():
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            defined = node.body if isinstance(node, ast.ClassDef) else [node]
            for statement in defined:
                if isinstance(statement, ast.FunctionDef):
                    state[statement.name] = raises_not_implemented(statement)
            for target in getattr(node, "targets", []):
                name = getattr(target, "id", None) or getattr(target, "attr", None)
                if name:
                    state[name] = False
    return {name for name, stub in state.items() if stub}


def items_of(functions: tuple[str, ...], item: Item) -> list[str]:
    """The items that judge the named reference functions of one of item's retries."""
    return [
        f"loss_{item.options['cell_type']}" if function == "CaptioningRNN.loss" else function
        for function in functions
    ]


def charged_at(name: str, best: dict) -> str | None:
    """The item that pays for item name's mistake: None if it has none, the item whose code
    it shares if that one already found the same classic mistakes, else name itself."""
    outcome = best[name].outcome
    if outcome.score >= 1.0:
        return None
    shared = ITEMS[name].shares_code_with
    if shared and outcome.mistakes:
        other = best[shared].outcome
        if other.score < 1.0 and outcome.mistakes <= other.mistakes:
            return shared
    return name


def shown(function: str) -> str:
    """A student function as feedback names it."""
    return f"CaptioningRNN.{function}" if function in ("loss", "sample") else function


def not_implemented_in(function: str, results: list[CaseResult] | str) -> bool:
    """Whether the named student function itself raised NotImplementedError in some case."""
    return isinstance(results, list) and any(
        r.error is not None
        and r.error.startswith("NotImplementedError")
        and r.where is not None
        and r.where["function"] == function
        for r in results
    )


def modified_inputs(results: list[CaseResult] | str) -> list[str]:
    """The inputs that the item's own function changed in place, over all cases."""
    if isinstance(results, str):
        return []
    return sorted({name for r in results for name in r.modified_by("function")})


def in_place_message(function: str, names: list[str]) -> str:
    fixes = [
        IN_PLACE_FIXES.get(name, f"work on a copy of `{name}` or build a new array")
        for name in names
    ]
    quoted = ", ".join(f"`{name}`" for name in names)
    return f"{function} changes its input {quoted} in place: {'; '.join(fixes)}"


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
        self.cases: dict[str, list[Case]] = {}
        self.expected: dict[str, list[dict]] = {}
        self.mistaken: dict[str, list[list[dict]]] = {}
        self.directions: dict[str, list[dict]] = {}
        self.bends: dict[str, list[set[str]]] = {}
        for index, (name, item) in enumerate(ITEMS.items()):
            cases = item.cases(data)
            self.cases[name] = cases
            self.expected[name] = [self._run_reference(reference, item, c.inputs) for c in cases]
            self.mistaken[name] = [
                [
                    self._as_arrays(m.variant(reference, copy.deepcopy(c.inputs)))
                    for m in item.mistakes
                ]
                for c in cases
            ]
            if item.derivative is not None:
                self.directions[name] = [
                    derivative.directions(c, item.derivative, seed=1000 * index + k)
                    for k, c in enumerate(cases)
                ]
                self.bends[name] = [
                    self._reference_bends(reference, item, c, d)
                    for c, d in zip(cases, self.directions[name], strict=True)
                ]

    @staticmethod
    def _as_arrays(outputs: dict) -> dict:
        return {name: np.asarray(value) for name, value in outputs.items()}

    def _run_reference(self, reference, item: Item, inputs: dict) -> dict:
        outputs = getattr(probes, item.probe)(reference, copy.deepcopy(inputs), item.options, {})
        return self._as_arrays(outputs)

    @staticmethod
    def _reference_bends(reference, item: Item, case: Case, directions: dict) -> set[str]:
        """The inputs in which the assignment's forward is nonlinear, on this case."""
        options = {
            "forward": item.options["forward"],
            "inputs": list(item.derivative.gradients.values()),
            "step": derivative.STEP,
            "curve": derivative.CURVE,
            "differences": False,
        }
        around = probes.perturbed(reference, {**case.inputs, **directions}, options, {})
        upstream = {out: case.inputs[name] for name, out in item.derivative.upstream.items()}
        return derivative.nonlinear_inputs(around, upstream, item.derivative)

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
        source = {
            relative: (package_dir / relative).read_text(errors="replace").splitlines()
            for relative in STUDENT_MODULES
            if (package_dir / relative).is_file()
        }
        missing = unwritten(source)
        first, imported = self._run(package_dir, work_dir / "own", [self._task(n) for n in ITEMS])
        attempts = {name: self._attempt(name, first[name], source) for name in ITEMS}
        best = dict(attempts)
        if imported:
            self._own_derivatives(package_dir, work_dir / "own_derivative", attempts, missing)
            for name, item in ITEMS.items():
                if item.function not in missing:
                    best[name] = self._retry(package_dir, work_dir, item, attempts, first, source)
        return self._verdicts(attempts, best, missing)

    def _task(self, name: str, prerequisites: tuple[str, ...] = (), own_caches=False) -> Task:
        item = ITEMS[name]
        return Task(
            name=name,
            probe=item.probe,
            options=item.options,
            cases=[case.inputs for case in self.cases[name]],
            outputs=[list(expected) for expected in self.expected[name]],
            seconds=item.seconds,
            prerequisites=list(prerequisites),
            own_caches=own_caches,
        )

    def _run(self, package_dir, job_root, tasks, prerequisites=None):
        return run_items(package_dir, job_root, tasks, prerequisites, self.private_roots)

    def _attempt(self, name, results, source, swapped=()) -> Attempt:
        """Judge every case of one run of an item."""
        item = ITEMS[name]
        if isinstance(results, str):
            outcome = Outcome(0.0, results, frozenset(), ())
            return Attempt(outcome, results, swapped)
        verdicts = [
            item.judge(item, case.inputs, result, expected, mistaken, source)
            for case, result, expected, mistaken in zip(
                self.cases[name], results, self.expected[name], self.mistaken[name], strict=True
            )
        ]
        outcome = summarise(self.cases[name], verdicts, mean=item.judge is judge_sample)
        return Attempt(outcome, results, swapped)

    def _forward_differs(self, name: str, index: int, result: CaseResult) -> bool:
        """Whether the student's forward gave other outputs than the reference on a case."""
        expected = self.expected[name][index]
        outputs = [key for key in expected if key.startswith("forward.")]
        return any(
            key not in result.arrays
            or result.arrays[key].shape != expected[key].shape
            or not close(result.arrays[key], expected[key])
            for key in outputs
        )

    def _own_derivatives(self, package_dir, job_root, attempts, missing: set[str]) -> None:
        """Step 2: backward cases that are wrong only against a differing forward."""
        candidates = {}
        for name, item in ITEMS.items():
            attempt = attempts[name]
            if item.derivative is None or isinstance(attempt.results, str) or name in missing:
                continue
            indices = [
                k
                for k, (verdict, result) in enumerate(
                    zip(attempt.outcome.verdicts, attempt.results, strict=True)
                )
                if verdict.score < 1.0
                and result.error is None
                and all(grad in result.arrays for grad in item.derivative.gradients)
                and self._forward_differs(name, k, result)
            ]
            if indices:
                candidates[name] = indices
        if not candidates:
            return
        tasks = [self._perturbation_task(name, indices) for name, indices in candidates.items()]
        around, _ = self._run(package_dir, job_root, tasks)
        for name, indices in candidates.items():
            attempt, item = attempts[name], ITEMS[name]
            verdicts = list(attempt.outcome.verdicts)
            for position, k in enumerate(indices):
                if isinstance(around[name], str):
                    reason = "your forward could not be evaluated around the inputs"
                else:
                    reason = derivative.judge_own_derivative(
                        item.derivative,
                        self.cases[name][k],
                        attempt.results[k],
                        around[name][position],
                        self.expected[name][k],
                        self.bends[name][k],
                    )
                forward = item.derivative.forward
                if reason is None:
                    note = (
                        f"judged against the derivative of your own {forward}, which differs "
                        f"from the assignment's (charged at {forward})"
                    )
                    verdicts[k] = CaseVerdict(1.0, notes=(*verdicts[k].notes, note))
                else:
                    problem = (
                        f"{verdicts[k].problem} (your {forward} differs from the assignment's, "
                        f"and this is not its derivative either: {reason})"
                    )
                    verdicts[k] = replace(verdicts[k], problem=problem)
            outcome = summarise(self.cases[name], verdicts)
            attempts[name] = Attempt(outcome, attempt.results)

    def _perturbation_task(self, name: str, indices: list[int]) -> Task:
        item = ITEMS[name]
        upstream = list(item.derivative.upstream.values())
        inputs = list(item.derivative.gradients.values())
        outputs = [f"base.{o}" for o in upstream] + [
            f"{kind}.{i}.{o}" for i in inputs for o in upstream for kind in ("fd", "curve")
        ]
        return Task(
            name=name,
            probe="perturbed",
            options={
                "forward": item.options["forward"],
                "inputs": inputs,
                "step": derivative.STEP,
                "curve": derivative.CURVE,
            },
            cases=[{**self.cases[name][k].inputs, **self.directions[name][k]} for k in indices],
            outputs=[outputs for _ in indices],
            seconds=item.seconds,
        )

    def _retry(self, package_dir, work_dir, item: Item, attempts, first, source) -> Attempt:
        """Step 3: the item again with reference functions swapped in; the best attempt."""
        best = attempts[item.name]
        if best.outcome.score >= 1.0 or not_implemented_in(item.function, best.results):
            return best
        last = None
        for number, plan in enumerate(item.retries):
            if "CaptioningRNN.loss" in plan:  # never in place of a loss that is not written
                if not_implemented_in("loss", first[f"loss_{item.options['cell_type']}"]):
                    continue
            if all(attempts[name].outcome.score >= 1.0 for name in items_of(plan, item)):
                continue  # every function it would swap is right: nothing to learn
            # The student's own step caches are handed on only from a step whose own item
            # finished (one that segfaults or hangs would take the retry down with it).
            steps = [name for name in plan if name in STEP_FORWARDS]
            own_caches = all(isinstance(first[name], list) for name in steps)
            job = work_dir / f"retry_{item.name}_{number}"
            task = self._task(item.name, plan, own_caches)
            results, _ = self._run(package_dir, job, [task], prerequisites_source(list(plan)))
            last = self._attempt(item.name, results[item.name], source, plan)
            # The better score counts; at the same score, the attempt that names the mistake
            # (the student's own callees may have hidden it).
            if last.outcome.score > best.outcome.score or (
                last.outcome.score == best.outcome.score
                and last.outcome.mistakes
                and not best.outcome.mistakes
            ):
                best = last
            if best.outcome.score >= 1.0:
                return best
        return best if best.swapped else replace(best, retried=last)

    def _verdicts(self, attempts: dict, best: dict, missing: set[str]) -> dict[str, Verdict]:
        """Steps 4 and 5, and the messages: one Verdict per item."""
        verdicts = {}
        for name, item in ITEMS.items():
            own, counted = attempts[name], best[name]
            fraction, message = counted.outcome.score, counted.outcome.message
            notes = tuple(dict.fromkeys(own.outcome.notes + counted.outcome.notes))
            if item.function in missing:
                fraction, notes = 0.0, ()
                message = f"not implemented yet ({shown(item.function)} raises NotImplementedError)"
            elif counted.swapped:
                swapped = ", ".join(counted.swapped)
                if fraction >= 1.0:
                    message = f"right with the reference {swapped} in place of yours"
                    charged = self._charged(counted.swapped, item, best)
                    if charged:
                        message += f" (the mistake is charged at {', '.join(charged)})"
                else:
                    message += f" (with the reference {swapped} in place of yours)"
            elif counted.retried and not self._says_nothing_new(counted.retried, counted):
                retry = counted.retried
                message += (
                    f"; tried again with the reference {', '.join(retry.swapped)} in place of "
                    f"yours: {retry.outcome.message}"
                )
            where = charged_at(name, best)
            if where not in (None, name):
                fraction = 1.0
                message = f"the same mistake as {where}, charged there: {message}"
            changed = modified_inputs(counted.results)
            if changed and item.function not in missing:
                if fraction >= 1.0:
                    share = IN_PLACE_DEDUCTION[name]
                    fraction = 1.0 - share
                    message = (
                        f"the values are right, but {in_place_message(item.function, changed)} "
                        f"(-{share:.0%} of the points)"
                    )
                else:
                    message += f"; also, {in_place_message(item.function, changed)}"
            points = POINTS[name]
            message = with_notes(message, notes)
            verdicts[name] = Verdict(name, round(fraction * points, 4), points, message)
        return verdicts

    @staticmethod
    def _says_nothing_new(retry: Attempt, own: Attempt) -> bool:
        """Whether a failed retry found what the student's own run found already."""
        found = retry.outcome
        return found.message == own.outcome.message or bool(
            found.mistakes and found.mistakes <= own.outcome.mistakes
        )

    @staticmethod
    def _charged(swapped: tuple[str, ...], item: Item, best: dict) -> list[str]:
        """Where the mistakes of the swapped functions are charged (the items that lost points)."""
        places = [charged_at(name, best) for name in items_of(swapped, item)]
        return list(dict.fromkeys(place for place in places if place is not None))
