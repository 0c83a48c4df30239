"""Your answers to the inline questions, as a PDF for grading by hand.

    python -m cs231n.inline_answers                  # writes inline_answers.pdf next to cs231n/
    python -m cs231n.inline_answers --out ~/hw.pdf   # somewhere else
    python -m cs231n.inline_answers A.ipynb B.ipynb  # other notebooks

The inline questions are graded by hand, not by the autograder. Each one starts a page of
its own: its title, the question, then your answer as you wrote it in the notebook (save the
notebook first). Math between dollar signs is drawn with matplotlib's mathtext, so no LaTeX
installation is needed; an expression mathtext cannot draw is shown as you typed it. Upload
the PDF where your course collects the written part (on Gradescope, a PDF assignment where
you mark the page of each question).
"""

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
from matplotlib import cbook
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = (
    ROOT / "notebooks" / "RNN_Captioning.ipynb",
    ROOT / "notebooks" / "LSTM_Captioning.ipynb",
)
DEFAULT_OUT = ROOT / "inline_answers.pdf"
PLACEHOLDER = "YOUR ANSWER HERE"

# Page geometry in points (US letter, 72 points per inch).
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 612.0, 792.0, 60.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
TEXT_HEIGHT = PAGE_HEIGHT - 2 * MARGIN - 20.0  # leaves room for the footer
# Font size, line height (points), colour and weight of each kind of line.
STYLES = {
    "title": (15.0, 26.0, "black", "bold"),
    "question": (10.0, 14.5, "#444444", "normal"),
    "label": (10.0, 20.0, "black", "bold"),
    "answer": (11.0, 16.5, "black", "normal"),
    "missing": (11.0, 16.5, "#b00000", "normal"),
    "blank": (10.0, 8.0, "black", "normal"),
}
MATH_OR_WORD = re.compile(r"(?:[^\s$]*\$[^$]+\$)+[^\s$]*|\S+")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
HEADING = re.compile(r"^\s*#+\s*")
MEASURE = TextToPath()


class InlineAnswersError(Exception):
    """A notebook that cannot be read, or one without inline questions (one-line message)."""


@dataclass(frozen=True)
class InlineAnswer:
    """One inline question of a notebook and the student's answer to it.

    - notebook: File name of the notebook
    - grade_id: nbgrader's id of the answer cell
    - title: The question's heading, e.g. "Inline question 1"
    - question: Markdown text of the question, without its heading
    - answer: Markdown text of the answer cell as the student left it
    - points: Points of the question (graded by hand)
    """

    notebook: str
    grade_id: str
    title: str
    question: str
    answer: str
    points: float

    @property
    def answered(self) -> bool:
        return self.answer.strip() not in ("", PLACEHOLDER)


@dataclass(frozen=True)
class Line:
    """One line of a page: its text and its kind (a key of STYLES)."""

    text: str
    style: str


def inline_answers(notebook: nbformat.NotebookNode, name: str) -> list[InlineAnswer]:
    """The inline questions of a notebook: its hand-graded markdown answer cells.

    Inputs:
    - notebook: A notebook (nbformat version 4)
    - name: Its file name, to show on the pages

    Returns:
    - One InlineAnswer per answer cell, in notebook order; the question is the markdown
      cell just before the answer cell
    """
    found = []
    question = ""
    for cell in notebook.cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "markdown":
            question = ""
        elif grading.get("solution") and grading.get("grade"):
            lines = question.strip().splitlines()
            has_heading = bool(lines) and HEADING.match(lines[0]) is not None
            grade_id = grading.get("grade_id", f"question {len(found) + 1}")
            found.append(
                InlineAnswer(
                    notebook=name,
                    grade_id=grade_id,
                    title=HEADING.sub("", lines[0]).strip() if has_heading else grade_id,
                    question="\n".join(lines[1:] if has_heading else lines).strip(),
                    answer=cell.source,
                    points=float(grading.get("points", 0)),
                )
            )
            question = ""
        else:
            question = cell.source
    return found


def read_inline_answers(paths: Sequence[Path]) -> list[InlineAnswer]:
    """The inline questions of every notebook, in order.

    Raises InlineAnswersError if a file is missing or not a notebook, or if none of them
    holds an inline question.
    """
    answers = []
    for path in map(Path, paths):
        if not path.is_file():
            raise InlineAnswersError(f"{path} is missing (save the notebook, or name it)")
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises several types for "not a notebook"
            reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
            raise InlineAnswersError(f"{path} is not a readable notebook ({reason})") from None
        answers += inline_answers(notebook, path.name)
    if not answers:
        raise InlineAnswersError("no inline question found in " + ", ".join(map(str, paths)))
    return answers


def paragraphs(markdown: str) -> list[str]:
    """Markdown as the lines of text to wrap: one per paragraph or list item.

    Emphasis marks and backticks are dropped; math between dollar signs is kept.
    """
    text = markdown.replace("**", "").replace("__", "").replace("`", "")
    result, current = [], []
    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line or LIST_ITEM.match(raw) or HEADING.match(raw):
            if current:
                result.append(" ".join(current))
            current = []
        if line:
            current.append(HEADING.sub("", line) if HEADING.match(raw) else line)
    return result


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Break text into lines that fit, never inside a math span.

    Inputs:
    - text: One paragraph
    - fits: Whether a line of text fits the width

    Returns:
    - The lines, in order; a word wider than a line is cut, a math span is not
    """
    lines: list[str] = []
    line = ""
    for word in MATH_OR_WORD.findall(text):
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while not fits(line) and "$" not in line and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and not fits(line[:cut]):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def answer_lines(answer: InlineAnswer, fits: Callable[[str, str], bool]) -> list[Line]:
    """The lines of one question's pages, before pagination."""

    def block(markdown: str, style: str) -> list[Line]:
        lines = []
        for number, paragraph in enumerate(paragraphs(markdown)):
            if number and not LIST_ITEM.match(paragraph):
                lines.append(Line("", "blank"))
            lines += [Line(text, style) for text in wrap(paragraph, lambda t: fits(t, style))]
        return lines

    points = f"{answer.points:g} point" + ("" if answer.points == 1 else "s")
    lines = [Line(f"{answer.title} ({answer.notebook}, {points})", "title")]
    lines += block(answer.question, "question")
    lines += [Line("", "blank"), Line("Answer", "label")]
    if answer.answered:
        lines += block(answer.answer, "answer")
    else:
        lines.append(Line(f"(no answer: the cell still says {PLACEHOLDER})", "missing"))
    return lines


def layout_pages(
    answers: Sequence[InlineAnswer], fits: Callable[[str, str], bool]
) -> list[list[Line]]:
    """Lay the questions out on pages: each question starts a new page.

    Inputs:
    - answers: The inline questions
    - fits: Whether a text fits the text width in a style of STYLES

    Returns:
    - The pages, each a list of Lines from the top; a question longer than a page goes
      on over more pages, each headed "(continued)"
    """
    pages = []
    for answer in answers:
        lines = answer_lines(answer, fits)
        page, used = [], 0.0
        for line in lines:
            height = STYLES[line.style][1]
            if page and used + height > TEXT_HEIGHT:
                pages.append(page)
                page = [Line(f"{answer.title} (continued)", "title")]
                used = STYLES["title"][1]
            page.append(line)
            used += height
        pages.append(page)
    return pages


@cache
def font(style: str) -> FontProperties:
    size, _, _, weight = STYLES[style]
    return FontProperties(family="DejaVu Sans", size=size, weight=weight)


def drawable_math(text: str, style: str) -> bool:
    """Whether the text holds math that mathtext can draw (else it is drawn as typed)."""
    if not cbook.is_math_text(text):
        return False
    try:
        MEASURE.get_text_width_height_descent(text, font(style), ismath=True)
    except ValueError:
        return False
    return True


def text_fits(text: str, style: str) -> bool:
    """Whether text, drawn in style, fits the text width of a page."""
    math = drawable_math(text, style)
    width, _, _ = MEASURE.get_text_width_height_descent(text, font(style), ismath=math)
    return width <= TEXT_WIDTH


def draw_page(lines: Sequence[Line], footer: str) -> Figure:
    """One page as a matplotlib figure (US letter)."""
    figure = Figure(figsize=(PAGE_WIDTH / 72, PAGE_HEIGHT / 72))
    y = PAGE_HEIGHT - MARGIN
    for line in lines:
        size, height, colour, weight = STYLES[line.style]
        y -= height
        if line.text:
            figure.text(
                MARGIN / PAGE_WIDTH,
                y / PAGE_HEIGHT,
                line.text,
                fontproperties=font(line.style),
                color=colour,
                parse_math=drawable_math(line.text, line.style),
            )
    figure.text(0.5, MARGIN / 2 / PAGE_HEIGHT, footer, ha="center", fontsize=8, color="#777777")
    return figure


def write_pdf(answers: Sequence[InlineAnswer], out: Path) -> int:
    """Write the questions and answers to a PDF; returns its number of pages."""
    pages = layout_pages(answers, text_fits)
    out.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(out, metadata={"Title": "Inline answers", "Creator": __name__}) as pdf:
        for number, lines in enumerate(pages, start=1):
            pdf.savefig(draw_page(lines, f"Inline answers, page {number} of {len(pages)}"))
    return len(pages)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.inline_answers",
        description="Write your answers to the inline questions to a PDF for hand grading.",
    )
    parser.add_argument(
        "notebooks", nargs="*", type=Path, default=list(NOTEBOOKS),
        help="notebooks to read (default: the two notebooks of notebooks/)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"PDF to write (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    try:
        answers = read_inline_answers(args.notebooks)
        pages = write_pdf(answers, args.out)
    except InlineAnswersError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    unanswered = [answer.grade_id for answer in answers if not answer.answered]
    print(f"wrote {args.out}: {len(answers)} inline questions on {pages} pages")
    if unanswered:
        print(f'not answered yet (the cell still says "{PLACEHOLDER}"): ' + ", ".join(unanswered))
    return 0


if __name__ == "__main__":
    sys.exit(main())
