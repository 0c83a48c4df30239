"""Run every hidden check on one student's package and score it, charging each mistake once.

1. Every item runs on the student's own code, in one sandbox.
2. A backward whose outputs are wrong while the student's forward differs from the
   assignment's as a classic mistake does (checks/variants.py) is judged against the
   derivative of that forward (checks/derivative.py): the mistake is charged where it is
   named.
3. An item that still loses points is run again with the reference versions of the
   functions it calls swapped in (its retries, in order; the k-th retries of all items
   share one sandbox, where what is swapped in is a stub that the grader answers with
   the reference: sandbox/oracle.py); it keeps the better score. An item whose own
   module did not import is not retried: nothing swapped in restores it. A retry that
   swaps in the item's own function (the overfit items' reference loss) runs only when
   the student's own function shows work on its item's hidden cases.
   A backward item's first retry, where its sequence forward handed the step a 1-D
   array (`x[:, t, :].squeeze()` at N = 1), runs the student's own functions with that
   handoff repaired: a backward that reads its own cache format is judged on the cache
   its own forward makes, before any reference is swapped in.
4. A mistake of the model code found in both the RNN and the LSTM item (the loss,
   sampling: the same classic mistake, exception line or symptom) is charged at the RNN
   item only; right values from a function that changed an input in place lose a share
   of the item (points.toml), not the item (both in checks/verdicts.py, which also
   writes the messages).
"""

import copy
import itertools
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from autograder.checks import derivative, probes, variants
from autograder.checks.cases import Case
from autograder.checks.compare import close
from autograder.checks.item import KNOWN, MODEL_FUNCTIONS, Item, shown
from autograder.checks.items import ITEMS
from autograder.checks.judgements import CaseVerdict, judge_sample
from autograder.checks.probes import REPAIRED, STEP_FORWARDS
from autograder.checks.summary import Outcome, summarise
from autograder.checks.unwritten import unwritten
from autograder.checks.verdicts import (
    Attempt,
    Verdict,
    charge_shared_code_once,
    final_verdicts,
    items_of,
)
from autograder.paths import DATA_DIR, STUDENT_MODULES
from autograder.plain_text import plain
from autograder.provided import provided_module
from autograder.reference import reference_modules
from autograder.sandbox.channel import NOT_IMPORTABLE
from autograder.sandbox.results import CaseResult
from autograder.sandbox.run import Task, run_items


def raised_not_implemented(results: list[CaseResult] | str) -> bool:
    """Whether some case of a run raised NotImplementedError, wherever it was raised."""
    return isinstance(results, list) and any(
        r.error is not None and r.error.startswith("NotImplementedError") for r in results
    )


def not_implemented_in(function: str, results: list[CaseResult] | str) -> bool:
    """Whether the named student function itself raised NotImplementedError in some case."""
    return isinstance(results, list) and any(
        r.error is not None
        and r.error.startswith("NotImplementedError")
        and r.where is not None
        and r.where["function"] == function
        for r in results
    )


def own_module_not_importable(function: str, results: list[CaseResult] | str) -> bool:
    """Whether every case failed because the module holding the function did not import.

    No reference function swapped in can bring such a module back, so its item is not
    retried.
    """
    module = STUDENT_MODULES[1] if function in MODEL_FUNCTIONS else STUDENT_MODULES[0]
    return (
        isinstance(results, list)
        and len(results) > 0
        and all(
            r.error is not None and r.error.startswith(f"ImportError: {module} {NOT_IMPORTABLE}")
            for r in results
        )
    )


@dataclass
class Graded:
    """What the hidden checks made of one package.

    - verdicts: Map from item name to its Verdict
    - import_stopped: Why the student's modules never finished importing in the sandbox
      (they hung or killed it), or None; nothing else of that package can run either
    """

    verdicts: dict[str, Verdict]
    import_stopped: str | None


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
        self.variant_outputs: dict[str, list[list[dict]]] = {}
        for index, (name, item) in enumerate(ITEMS.items()):
            cases = item.hidden_cases(data)
            self.cases[name] = cases
            self.expected[name] = [self._run_reference(reference, item, c.inputs) for c in cases]
            with np.errstate(all="ignore"):  # a mistake may divide by 0 on large inputs
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
                forward = item.derivative.forward
                self.variant_outputs[name] = [
                    [
                        variants.outputs(reference, forward, variant, c.inputs)
                        for variant in variants.recognised(forward)
                    ]
                    for c in cases
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
        moved = {**case.inputs, **directions}
        around = derivative.around(
            reference, item.options["forward"], item.derivative, moved, differences=False
        )
        upstream = {out: case.inputs[name] for name, out in item.derivative.upstream.items()}
        return derivative.nonlinear_inputs(around, upstream, item.derivative)

    def grade(self, package_dir: Path, work_dir: Path) -> Graded:
        """Score every item on the package in package_dir (a folder holding `cs231n/`).

        Inputs:
        - package_dir: The student's package, provided files from the release
        - work_dir: Scratch directory for the sandbox jobs (emptied first)

        Returns the Graded package: a Verdict per item, and why its modules did not
        import, if they did not.
        """
        if work_dir.exists():
            shutil.rmtree(work_dir)
        source = {
            relative: (package_dir / relative).read_text(errors="replace").splitlines()
            for relative in STUDENT_MODULES
            if (package_dir / relative).is_file()
        }
        first, imported = self._run(package_dir, work_dir / "own", [self._task(n) for n in ITEMS])
        # Items whose function is still the release stub: its text says so, and running the
        # item raised NotImplementedError (so a function defined some other way is judged).
        stubs = unwritten(source)
        missing = {
            name
            for name, item in ITEMS.items()
            if item.function in stubs and raised_not_implemented(first[name])
        }
        attempts = {name: self._attempt(name, first[name], source) for name in ITEMS}
        best = dict(attempts)
        if imported:
            self._own_derivatives(attempts, missing)
            best = self._retries(package_dir, work_dir, attempts, first, source, missing)
        working = {name for name in ITEMS if self._shows_work(name, attempts[name], best[name])}
        best = charge_shared_code_once(best, self.cases, working)
        import_stopped = None if imported else next(iter(first.values()))
        verdicts = final_verdicts(attempts, best, missing, habit_notes(source))
        return Graded(verdicts, import_stopped)

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
            bounds=item.cases.bounds(self.cases[name]),
            own_caches=own_caches,
        )

    def _run(self, package_dir, job_root, tasks):
        return run_items(package_dir, job_root, tasks, reference_modules(), self.private_roots)

    def _attempt(self, name, results, source, swapped=()) -> Attempt:
        """Judge every case of one run of an item."""
        item = ITEMS[name]
        if isinstance(results, str):
            outcome = Outcome(0.0, results, frozenset(), ())
            return Attempt(outcome, results, swapped)
        verdicts = [
            item.judge(item, case, result, expected, mistaken, source)
            for case, result, expected, mistaken in zip(
                self.cases[name], results, self.expected[name], self.mistaken[name], strict=True
            )
        ]
        outcome = summarise(self.cases[name], verdicts, mean=item.judge is judge_sample)
        return Attempt(outcome, results, swapped)

    def _forward_differs(self, name: str, index: int, result: CaseResult) -> bool:
        """Whether the student's forward gave other outputs than the reference on a case."""
        expected = self.expected[name][index]
        forward = {key: value for key, value in expected.items() if key.startswith("forward.")}
        return not same_outputs(result, forward)

    def _own_derivatives(self, attempts, missing: set[str]) -> None:
        """Step 2: backward cases that are wrong only against a differing forward."""
        for name, item in ITEMS.items():
            attempt = attempts[name]
            if item.derivative is None or isinstance(attempt.results, str) or name in missing:
                continue
            verdicts = list(attempt.outcome.verdicts)
            candidates = [
                k
                for k, (verdict, result) in enumerate(zip(verdicts, attempt.results, strict=True))
                if verdict.score < 1.0
                and result.error is None
                and all(grad in result.arrays for grad in item.derivative.gradients)
                and self._forward_differs(name, k, result)
            ]
            for k in candidates:
                verdicts[k] = self._against_own_forward(name, k, verdicts[k], attempt.results[k])
            if candidates:
                attempts[name] = Attempt(summarise(self.cases[name], verdicts), attempt.results)

    def _matched_variants(self, name: str, index: int, result: CaseResult) -> list:
        """The recognised variants of a backward item's forward that the student's forward
        equals on a case (checks/variants.py)."""
        forward = ITEMS[name].derivative.forward
        names = [key for key in self.expected[name][index] if key.startswith("forward.")]
        return [
            variant
            for variant, outputs in zip(
                variants.recognised(forward), self.variant_outputs[name][index], strict=True
            )
            if all(key.removeprefix("forward.") in outputs for key in names)
            and same_outputs(result, {key: outputs[key.removeprefix("forward.")] for key in names})
        ]

    def _against_own_forward(
        self, name: str, index: int, verdict: CaseVerdict, result: CaseResult
    ) -> CaseVerdict:
        """A wrong backward case, judged again against the student's differing forward: right
        if that forward is a recognised variant and the backward its exact derivative."""
        item = ITEMS[name]
        forward = item.derivative.forward
        matched = self._matched_variants(name, index, result)
        if not matched:
            problem = f"{verdict.problem} ({KNOWN.unknown_forward(forward, name)})"
            return replace(verdict, problem=problem)
        case, reference = self.cases[name][index], reference_modules()
        reasons = []
        for variant in matched:
            around = derivative.around(
                variants.as_modules(reference, forward, variant),
                item.options["forward"],
                item.derivative,
                {**case.inputs, **self.directions[name][index]},
                differences=True,
            )
            reason = derivative.judge_own_derivative(
                item.derivative,
                case,
                result,
                around,
                self.expected[name][index],
                self.bends[name][index],
            )
            if reason is None:
                note = (
                    f"judged against the derivative of your own {forward}, which differs "
                    f"from the assignment's (charged at {variant.item})"
                )
                return CaseVerdict(1.0, notes=(*verdict.notes, note))
            reasons.append(reason)
        problem = (
            f"{verdict.problem} (your {forward} differs from the assignment's, and this is "
            f"not its derivative either: {reasons[0]})"
        )
        return replace(verdict, problem=problem)

    def _retries(self, package_dir, work_dir, attempts, first, source, missing) -> dict:
        """Step 3: items that lose points again, with reference functions swapped in.

        Round k runs the k-th retry of every item still short of its points, all in one
        sandbox, in the order of ITEMS (an item whose function another one's retry swaps
        in is done before it); an item keeps its best attempt.
        """
        best = dict(attempts)
        plans = {
            name: list(ITEMS[name].retries)
            for name in ITEMS
            if name not in missing and self._worth_retrying(name, attempts[name])
        }
        last = {}
        for number in itertools.count():
            chosen = {}
            for name in list(plans):
                plan = self._next_plan(name, plans[name], attempts, best)
                if plan is None:
                    del plans[name]
                else:
                    chosen[name] = plan
            if not chosen:
                break
            tasks = [self._task(n, plan, own_caches(plan, first)) for n, plan in chosen.items()]
            results, _ = self._run(package_dir, work_dir / f"retry_round{number}", tasks)
            for name, plan in chosen.items():
                last[name] = self._attempt(name, results[name], source, plan)
                best[name] = better(best[name], last[name])
                if best[name].outcome.score >= 1.0:
                    del plans[name]
        for name, attempt in last.items():
            if not best[name].swapped:
                best[name] = replace(best[name], retried=attempt)
        return best

    @staticmethod
    def _worth_retrying(name: str, attempt: Attempt) -> bool:
        """Whether an item's own attempt may gain from reference functions swapped in."""
        function = ITEMS[name].function
        return not (
            attempt.outcome.score >= 1.0
            or not_implemented_in(function, attempt.results)
            or own_module_not_importable(function, attempt.results)
        )

    def _next_plan(self, name: str, plans: list, attempts, best) -> tuple[str, ...] | None:
        """Take the item's next retry worth running off plans (None when none is left).

        A retry that swaps in the item's own function (the overfit items' reference loss)
        runs only when the student's own function shows work on its own item.
        """
        item = ITEMS[name]
        while plans:
            plan = plans.pop(0)
            if item.runs_none_of_the_students(plan):
                (owner,) = items_of((shown(item.function),), item)
                if not self._shows_work(owner, attempts[owner], best[owner]):
                    continue
            if all(attempts[n].outcome.score >= 1.0 for n in items_of(plan, item)):
                continue  # every function it would swap is right: nothing to learn
            repaired = [ITEMS[f.removeprefix(REPAIRED)] for f in plan if f.startswith(REPAIRED)]
            if not all(handed_a_1d_state(attempts[f.name].results, f) for f in repaired):
                continue  # no handoff to repair
            return plan
        return None

    def _shows_work(self, name: str, *tried: Attempt) -> bool:
        """Whether the student's function of an item is at work in one of its attempts.

        It is when, on some hidden case, the case is right, or every output the item
        compares first (its `shapes`: the loss value for the loss items) equals the
        reference's, or the outputs are those of one of the item's classic mistakes. The
        release stub, a constant or zeros never are: no hidden case expects what they
        return.
        """
        compared = list(ITEMS[name].shapes)
        return any(
            verdict.score >= 1.0
            or verdict.mistake is not None
            or same_outputs(result, {key: expected[key] for key in compared})
            for attempt in tried
            if not isinstance(attempt.results, str)
            for verdict, result, expected in zip(
                attempt.outcome.verdicts, attempt.results, self.expected[name], strict=True
            )
        )


def same_outputs(result: CaseResult, wanted: dict[str, np.ndarray]) -> bool:
    """Whether a case returned every wanted array, of its shape and close to its values."""
    return all(
        key in result.arrays
        and result.arrays[key].shape == value.shape
        and close(result.arrays[key], value)
        for key, value in wanted.items()
    )


def handed_a_1d_state(results: list[CaseResult] | str, forward: Item) -> bool:
    """Whether a sequence forward handed its step function a 1-D state in some case of its
    item (the handoff a REPAIRED retry repairs)."""
    if isinstance(results, str):
        return False
    states = len(KNOWN.STEP_STATES[forward.options["spy"]])
    return any(
        shape is not None and len(shape) == 1
        for result in results
        for call in result.report.get("calls", [])
        for shape, _ in call[:states]
    )


def habit_notes(source: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Notes (no points lost) on code that works only by accident, on the first item of
    the function that holds it: a comparison with `is` against a literal (one note for
    the same comparison on several lines)."""
    lines: dict[tuple[str, str, str], list[int]] = {}
    for relative, text in source.items():
        code = "\n".join(text)
        for habit in provided_module("code_habits").identity_comparisons(code, relative):
            lines.setdefault((habit.function, habit.code, habit.file), []).append(habit.line)
    notes: dict[str, tuple[str, ...]] = {}
    for (function, code, file), numbers in lines.items():
        name = next((n for n, item in ITEMS.items() if item.function == function), None)
        if name is not None:
            where = " and ".join(map(str, numbers))
            place = f"line{'s' * (len(numbers) > 1)} {where} of {file}"
            notes[name] = (
                *notes.get(name, ()),
                KNOWN.identity_with_literal(plain(code, 120), place),
            )
    return notes


def own_caches(plan: tuple[str, ...], first: dict) -> bool:
    """Whether a retry hands the student's own step caches on: only from a step whose own
    item finished (one that segfaults or hangs would take the retry down with it)."""
    return all(isinstance(first[name], list) for name in plan if name in STEP_FORWARDS)


def better(best: Attempt, attempt: Attempt) -> Attempt:
    """The better score counts; at the same score, the attempt that names the mistake (the
    student's own callees may have hidden it)."""
    if attempt.outcome.score > best.outcome.score or (
        attempt.outcome.score == best.outcome.score
        and attempt.outcome.mistakes
        and not best.outcome.mistakes
    ):
        return attempt
    return best
