"""Points of the assignment, read from points.toml (the one place they are set)."""

import tomllib
from pathlib import Path

_TABLE = tomllib.loads((Path(__file__).with_name("points.toml")).read_text())
# Points of every autograded item, in the column order of grades.csv.
POINTS: dict[str, float] = _TABLE["points"]
# The autograded items, in that order.
ITEMS: tuple[str, ...] = tuple(POINTS)
# Points of every inline question (graded by hand), in the order of the notebooks.
INLINE_QUESTIONS: dict[str, float] = _TABLE["inline_questions"]
# What the autograder scores, what TAs grade by hand, and the assignment's total (what
# nbgrader and Canvas show).
AUTOGRADED_TOTAL: float = sum(POINTS.values())
INLINE_TOTAL: float = sum(INLINE_QUESTIONS.values())
TOTAL: float = AUTOGRADED_TOTAL + INLINE_TOTAL
# Share of an item's points lost when its values are right but it changed an input in place.
IN_PLACE_DEDUCTION: dict[str, float] = {
    item: float(_TABLE["in_place_deduction"].get(item, _TABLE["in_place_deduction"]["default"]))
    for item in ITEMS
}
