"""Submissions built from region bodies: the test corpus and the benchmark's class.

A bodies file holds the code of some TODO regions, each after a header line
`## <label>` (labels as in regions.LABELS), written at indentation 0; lines before
the first header are a description. `write_submission` puts the bodies into the
release stubs, so a submission differs from the release only inside its regions.
"""

from pathlib import Path

from autograder.paths import REPO, STUDENT_MODULES
from autograder.similarity.regions import LABELS, extract_regions, module_functions


def parse_bodies(text: str) -> dict[str, str]:
    """label -> region body of every `## <label>` section of a bodies file."""
    bodies: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        header = line.removeprefix("## ").strip() if line.startswith("## ") else None
        if header in LABELS:
            current = bodies.setdefault(header, [])
        elif current is not None:
            current.append(line)
    return {label: "\n".join(lines).strip("\n") + "\n" for label, lines in bodies.items()}


def fill_regions(stub: str, module: str, bodies: dict[str, str]) -> str:
    """A release stub with the given bodies written between its marker lines.

    Inputs:
    - stub: Source of a release stub (every region between marker lines)
    - module: Its path (regions.LAYERS or regions.MODEL)
    - bodies: label -> code at indentation 0; the module's other regions stay stubs

    Returns:
    - The module text with each body indented like its region's marker line
    """
    lines = stub.splitlines(keepends=True)
    regions = extract_regions(stub, module_functions(module))
    # Bottom up, so that the line numbers of the regions above stay valid.
    for label, region in sorted(regions.items(), key=lambda item: -item[1].first_line):
        if label not in bodies:
            continue
        begin = region.first_line - 1
        marker = lines[begin - 1]
        indent = marker[: len(marker) - len(marker.lstrip())]
        body = [
            f"{indent}{line}\n" if line.strip() else "\n" for line in bodies[label].splitlines()
        ]
        lines[begin : begin + len(region.text.splitlines())] = body
    return "".join(lines)


def write_submission(folder: Path, bodies: dict[str, str]) -> Path:
    """Write the two student-edited modules of a submission folder.

    Inputs:
    - folder: The submission folder to create (`<student_id>/`)
    - bodies: label -> region body; missing labels keep the release stub

    Returns:
    - folder
    """
    for module in STUDENT_MODULES:
        stub = (REPO / module).read_text()
        path = folder / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fill_regions(stub, module, bodies))
    return folder
