"""Points of every autograded item, read from points.toml (the one place they are set)."""

import tomllib
from pathlib import Path

_TABLE = tomllib.loads((Path(__file__).with_name("points.toml")).read_text())
POINTS: dict[str, float] = _TABLE["points"]
# The autograded items, in the column order of grades.csv.
ITEMS: tuple[str, ...] = tuple(POINTS)
# Share of an item's points lost when its values are right but it changed an input in place.
IN_PLACE_DEDUCTION: dict[str, float] = {
    item: float(_TABLE["in_place_deduction"].get(item, _TABLE["in_place_deduction"]["default"]))
    for item in ITEMS
}
