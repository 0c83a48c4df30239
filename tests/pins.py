"""Read the `name==version` pins of a requirements or constraints file."""

from pathlib import Path


def pins(path: Path) -> dict[str, str]:
    """Map from lower-case package name to pinned version; comments and blanks skipped."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.lower().split("==") for line in lines if line)
