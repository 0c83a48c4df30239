"""The README is a door: every page of docs/ is linked from it, every relative link of the
README and of docs/ leads to a file (and to a heading of it, where the link names one), every
make target is in the README's command tables, and dated measurements live on one page."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
MEASURED = DOCS / "measured.md"
STUDENT_MAKEFILE = REPO / "autograder" / "release" / "student_kit" / "Makefile"

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(path: Path) -> str:
    """The text of a page without its code blocks and code spans."""
    return CODE_SPAN.sub("", FENCE.sub("", path.read_text()))


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path))


def anchor(heading: str) -> str:
    """The fragment GitHub gives a heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(heading) for heading in HEADING.findall(FENCE.sub("", path.read_text()))}


def test_every_relative_link_leads_to_a_file_and_its_heading():
    broken = []
    for page in pages():
        for target in links(page):
            if re.match(r"[a-z]+:", target):
                continue
            name, _, fragment = target.partition("#")
            path = (page.parent / name).resolve() if name else page
            if not path.exists():
                broken.append(f"{page.relative_to(REPO)}: {target} (no such file)")
            elif fragment and path.suffix == ".md" and fragment not in anchors(path):
                broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in links(README)}
    written = set(DOCS.glob("*.md"))
    assert not written - linked, sorted(str(path.relative_to(REPO)) for path in written - linked)


def test_every_docs_page_opens_with_what_it_is_for():
    for page in DOCS.glob("*.md"):
        lines = page.read_text().splitlines()
        assert lines[0].startswith("# "), page.name
        assert "This page is for" in " ".join(lines[1:4]), page.name


def test_the_readme_opens_with_the_two_commands_and_stays_short():
    text = README.read_text()
    block = text.split("```")[1]
    assert [line.split()[:2] for line in block.strip().splitlines()[1:]] == [
        ["make", "demo"],
        ["make", "test"],
    ]
    assert len(text.splitlines()) <= 175


def make_targets(makefile: Path) -> set[str]:
    phony = re.search(r"^\.PHONY:(.*)$", makefile.read_text(), re.MULTILINE)
    return set(phony.group(1).split())


def test_every_make_target_has_a_line_in_the_readme():
    commands = re.findall(r"^\| `make(?: ([\w-]+))?[ `]", README.read_text(), re.MULTILINE)
    listed = {command or "help" for command in commands}
    missing = (make_targets(REPO / "Makefile") | make_targets(STUDENT_MAKEFILE)) - listed
    assert not missing, sorted(missing)


def test_measurements_are_dated_on_one_page():
    dated_elsewhere = [
        f"{page.relative_to(REPO)}: {date}"
        for page in pages()
        if page != MEASURED
        for date in DATE.findall(prose(page))
    ]
    assert not dated_elsewhere, dated_elsewhere
    rows = [
        line
        for line in MEASURED.read_text().splitlines()
        if line.startswith("| ") and line.count(" | ") == 2 and not line.startswith("| what ")
    ]
    assert rows
    undated = [row[:80] for row in rows if not DATE.search(row.rsplit(" | ", 1)[1])]
    assert not undated, undated
