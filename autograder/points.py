"""Points of every autograded item, read from points.toml (the one place they are set)."""

import tomllib
from pathlib import Path

POINTS: dict[str, float] = tomllib.loads((Path(__file__).with_name("points.toml")).read_text())[
    "points"
]
# The autograded items, in the column order of grades.csv.
ITEMS: tuple[str, ...] = tuple(POINTS)
