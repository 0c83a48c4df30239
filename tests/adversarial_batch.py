"""The adversarial batch: every attack of the three corpora, with their controls, graded
together in one run, as an instructor's batch would hold them.

- tests/adversarial_corpus.py: code that cheats or breaks (and, where the machine has the
  jail, a batch before it whose job tries to leave things behind for the corpus);
- tests/adversarial_markup.py: a Canvas-named submission whose notebooks carry script and
  whose student's name is a formula, a clean control, and files the grader does not take;
- tests/adversarial_intake.py's Blackboard attempts of a user `..` next to bob's.
The controls are the examples "reference" and "partial", the markup's "control" and bob.
tests/conftest.py makes the batch a session fixture of one pytest-xdist group, so it is
graded once.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from adversarial_corpus import Case, corpus, left_behind_case, write_case
from adversarial_intake import T1, T2
from adversarial_markup import write_submissions

from autograder.examples import write_examples
from autograder.grade import Run, grade_all
from autograder.paths import REPO
from autograder.sandbox.isolation import level

# The examples graded with the corpus, and the items each must lose.
GOOD = {"reference": [], "partial": ["lstm_step_forward", "lstm_step_backward", "lstm_forward",
                                     "lstm_backward"]}  # fmt: skip
# The Blackboard attempts: a user `..` (refused) and bob (graded), both the reference.
BLACKBOARD = ((f"HW3_.._attempt_{T1}", ".."), (f"HW3_bob_attempt_{T2}", "bob"))


@dataclass
class Batch:
    """The graded batch.

    - root: Its scratch folder (submissions/, out/, examples/, before_out/)
    - out: The course it was graded into
    - run: What grade_all returned
    - cases: The corpus cases in it (those that need the jail only where there is one)
    """

    root: Path
    out: Path
    run: Run
    cases: list[Case]


def grade_batch(root: Path) -> Batch:
    """Write every attack and control into root/submissions and grade them in one run."""
    submissions, out = root / "submissions", root / "out"
    submissions.mkdir(parents=True)
    cases = corpus(REPO, out, outside=[root, submissions], submissions=submissions)
    if level() == "jail":  # a batch before, whose job tries to leave things for the corpus
        before = root / "before"
        before.mkdir()
        write_case(before, left_behind_case())
        grade_all(before, root / "before_out", jobs=1)
    else:
        cases = [case for case in cases if not case.needs_jail]
    for case in cases:
        write_case(submissions, case)
    examples = root / "examples"
    write_examples(examples)
    for student in GOOD:
        shutil.copy(examples / f"{student}.zip", submissions)
    write_submissions(submissions)
    for attempt, user in BLACKBOARD:
        (submissions / f"{attempt}.txt").write_text(f"Name: Some One ({user})\n")
        shutil.copy(examples / "reference.zip", submissions / f"{attempt}_captioning.zip")
    return Batch(root, out, grade_all(submissions, out, jobs=2), cases)
