"""The hidden checks, computed once per reference and kept in build/cache/.

Building HiddenChecks computes the reference's outputs on every hidden case (about
5 s), and they are the same for every student. A grading run, each of its workers and
nbgrader's own commands load them from the cache (autograder/cache.py) instead.
"""

from pathlib import Path

from autograder.cache import cached


def hidden_checks(private_roots: list[Path]):
    """The HiddenChecks of this kit, from the cache when it is fresh (else computed and saved).

    Inputs:
    - private_roots: Directories the student's code must not see, besides the kit's own

    Returns:
    - HiddenChecks (picklable, so it can be handed to worker processes)
    """
    from autograder.checks.hidden import HiddenChecks

    checks = cached("hidden-checks", HiddenChecks)
    checks.private_roots = list(private_roots)
    return checks
