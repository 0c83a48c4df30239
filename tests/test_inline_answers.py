"""The inline answers PDF: the questions found, the text laid out, the pages written."""

import re
from pathlib import Path

import nbformat
import pytest

from cs231n.inline_answers import (
    PLACEHOLDER,
    STYLES,
    TEXT_HEIGHT,
    InlineAnswer,
    drawable_math,
    inline_answers,
    layout_pages,
    main,
    paragraphs,
    read_inline_answers,
    text_fits,
    wrap,
    write_pdf,
)

REPO = Path(__file__).resolve().parents[1]
RELEASE = [
    REPO / "notebooks" / "RNN_Captioning.ipynb",
    REPO / "notebooks" / "LSTM_Captioning.ipynb",
]


def pdf_pages(path: Path) -> int:
    """Number of page objects in a PDF (matplotlib writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


def answered_notebook(tmp_path: Path, answers: dict[str, str]) -> Path:
    """The release RNN notebook with its inline answer cells set from answers (by grade id)."""
    notebook = nbformat.read(RELEASE[0], as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path = tmp_path / "RNN_Captioning.ipynb"
    nbformat.write(notebook, path)
    return path


def _with_answer(notebook, text):
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "markdown":
            cell.source = text
    return notebook


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _empty_notebook(path: Path) -> Path:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hi")]), path)
    return path


def chars_fit(limit: int):
    """A stand-in for the font measurement: a text fits if it has at most limit characters."""
    return lambda text, style: len(text) <= limit


def test_the_release_notebooks_hold_three_unanswered_questions_of_one_point():
    answers = read_inline_answers(RELEASE)
    assert [a.grade_id for a in answers] == [
        "inline_question_1_rnn",
        "inline_question_1_lstm",
        "inline_question_2_lstm",
    ]
    assert [a.title for a in answers] == ["Inline question 1"] * 2 + ["Inline question 2"]
    assert [a.notebook for a in answers] == ["RNN_Captioning.ipynb"] + ["LSTM_Captioning.ipynb"] * 2
    assert [a.points for a in answers] == [1.0, 1.0, 1.0]
    assert not any(a.answered for a in answers)
    # The question is the markdown cell before the answer, without its heading.
    assert "rnn_backward" in answers[0].question and "#" not in answers[0].question
    assert "sigmoid" in answers[2].question


def test_an_answer_counts_unless_empty_or_the_placeholder(tmp_path):
    path = answered_notebook(tmp_path, {"inline_question_1_rnn": "The gradient vanishes."})
    (answer,) = read_inline_answers([path])
    assert answer.answered and answer.answer == "The gradient vanishes."
    for text in ("", "   \n", PLACEHOLDER, f"  {PLACEHOLDER}\n"):
        notebook = nbformat.read(path, as_version=4)
        assert not inline_answers(_with_answer(notebook, text), "x.ipynb")[0].answered


def test_markdown_becomes_paragraphs_and_list_items():
    markdown = (
        "**Answer.** The `dh0`\nshrinks with $t$.\n\n- first $W_h^\\top$\n- second\n# Heading"
    )
    assert paragraphs(markdown) == [
        "Answer. The dh0 shrinks with $t$.",
        "- first $W_h^\\top$",
        "- second",
        "Heading",
    ]


def test_wrapping_keeps_every_word_in_order_and_math_spans_whole():
    text = "the gradient $dc_{t-1} = f \\odot dc_t$ reaches the earlier cell " + "x" * 45
    lines = wrap(text, lambda line: len(line) <= 20)
    assert "$dc_{t-1} = f \\odot dc_t$" in lines  # 25 characters, wider than a line, not cut
    assert all(len(line) <= 20 for line in lines if "$" not in line)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert lines[-3:] == ["x" * 20, "x" * 20, "x" * 5]  # a word wider than a line is cut


def test_each_question_starts_a_page_and_a_long_one_goes_on():
    short = InlineAnswer("A.ipynb", "q1", "Inline question 1", "Why?", "Because.", 1.0)
    long = InlineAnswer("A.ipynb", "q2", "Inline question 2", "How?", "word " * 3000, 2.0)
    pages = layout_pages([short, long, short], chars_fit(80))
    titles = [page[0].text for page in pages]
    assert titles[0] == "Inline question 1 (A.ipynb, 1 point)"
    assert titles[1] == "Inline question 2 (A.ipynb, 2 points)"
    assert len(pages) >= 5 and titles[2:-1] == ["Inline question 2 (continued)"] * (len(pages) - 3)
    assert titles[-1] == titles[0]
    for page in pages:
        assert sum(STYLES[line.style][1] for line in page) <= TEXT_HEIGHT
    words = [
        w
        for page in pages[1:-1]
        for line in page
        if line.style == "answer"
        for w in line.text.split()
    ]
    assert words == ["word"] * 3000


def test_an_unanswered_question_says_so_on_its_page():
    pages = layout_pages(read_inline_answers(RELEASE)[:1], chars_fit(80))
    assert [line.style for line in pages[0][-2:]] == ["label", "missing"]
    assert PLACEHOLDER in pages[0][-1].text


def test_mathtext_that_cannot_be_drawn_is_shown_as_typed():
    assert drawable_math("since $c_t = f \\odot c_{t-1}$", "answer")
    assert not drawable_math("broken $\\frac{a}{\\nosuchcommand}$", "answer")
    assert not drawable_math("it costs $5", "answer")
    assert text_fits("a short line", "answer")
    assert not text_fits("word " * 40, "answer")


def test_the_pdf_has_the_pages_of_the_layout(tmp_path):
    answers = read_inline_answers(
        [answered_notebook(tmp_path, {"inline_question_1_rnn": "Long answer. " * 900}), RELEASE[1]]
    )
    out = tmp_path / "out" / "inline_answers.pdf"
    pages = write_pdf(answers, out)
    assert pages == len(layout_pages(answers, text_fits)) and pages > 3
    assert out.read_bytes().startswith(b"%PDF") and pdf_pages(out) == pages


def test_the_command_writes_the_pdf_and_names_unanswered_questions(tmp_path, capsys):
    path = answered_notebook(tmp_path, {"inline_question_1_rnn": "Because $W_h$ repeats."})
    out = tmp_path / "answers.pdf"
    assert main([str(path), str(RELEASE[1]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"wrote {out}: 3 inline questions on 3 pages"
    assert printed[1].endswith(": inline_question_1_lstm, inline_question_2_lstm")
    assert pdf_pages(out) == 3


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "absent.ipynb", "absent.ipynb is missing"),
        (lambda d: _write(d / "bad.ipynb", "{not json"), "bad.ipynb is not a readable notebook"),
        (lambda d: _empty_notebook(d / "plain.ipynb"), "no inline question found in"),
    ],
)
def test_bad_notebooks_get_one_line_and_no_pdf(tmp_path, capsys, make, message):
    out = tmp_path / "answers.pdf"
    assert main([str(make(tmp_path)), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error and error.count("\n") == 1
    assert not out.exists()


def test_an_unwritable_output_gets_one_line(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert main([str(RELEASE[0]), "--out", str(tmp_path / "taken")]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: cannot write {tmp_path / 'taken'}") and error.count("\n") == 1
