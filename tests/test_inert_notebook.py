"""The notebook sanitiser (autograder/intake/inert_notebook.py, inert_html.py): every
hostile cell renders inert and stays readable word for word, every benign one is left
exactly as written, and the course's pipeline holds it."""

import copy
import random
import time

import nbformat
import pytest
from adversarial_corpus import REFERENCE, RNN_NB
from adversarial_markup import (
    BENIGN,
    PAYLOADS,
    PNG,
    SVG,
    extra_cells,
    formgrader_ids,
    held_ids,
    hostile_notebook,
    id_hijacks,
    live_markup,
    page_text,
)

from autograder.course.course import SANITIZE
from autograder.intake.inert_html import is_inert, literal_html
from autograder.intake.inert_notebook import (
    MAX_RENDERED_CELL,
    MAX_RENDERED_NOTEBOOK,
    inert_notebook,
    inert_notebook_bytes,
    rendered_markdown,
)
from autograder.intake.notebook_repair import preview_sanitize
from autograder.paths import NOTEBOOKS, REPO, SOURCE

# Attacks beyond PAYLOADS that an HTML allowlist has to know of.
MORE_HOSTILE = [
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<meta http-equiv="refresh" content="0; url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<math><maction xlink:href="javascript:alert(1)">x</maction></math>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    "<a href=' javascript:alert(1)'>x</a>",
    '<a href="vbscript:msgbox(1)">x</a>',
    "[x](JAVASCRIPT&colon;alert(1))",
    '<div class="navbar navbar-fixed-top">a fake formgrader bar</div>',
    '<span id="inline_question_1_rnn">a second element with a grade cell\'s id</span>',
    '<a href="/logout">a link into the grader\'s own server</a>',
    "<scr\x00ipt>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "![missing](attachment:nowhere.png)",
    "<style>body { display: none }</style>",
    # Images a browser fetches: a request into the grader's Jupyter in the TA's session,
    # or a pixel that tells the student when the TA looked.
    "![x](http://localhost:8888/logout)",
    '<img src="https://tracker.example/pixel.png?student=eve">',
    "![x][pixel]\n\n[pixel]: HTTPS://tracker.example/p.png",
]
HOSTILE = [*PAYLOADS.values(), *MORE_HOSTILE]


def markdown_notebook(*sources: str, **cell_fields) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source, **cell_fields) for source in sources]
    return nb


def shown(cell) -> str:
    """A markdown cell's HTML as formgrader renders it."""
    return rendered_markdown(cell.source, cell.get("attachments", {}))


@pytest.mark.parametrize("source", BENIGN)
def test_benign_markdown_is_left_exactly_as_written(source):
    nb = markdown_notebook(source)
    assert inert_notebook(nb) == []
    assert nb.cells[0].source == source
    assert live_markup(shown(nb.cells[0])) == []


@pytest.mark.parametrize("source", HOSTILE, ids=range(len(HOSTILE)))
def test_every_hostile_cell_shows_inert_and_word_for_word(source):
    nb = markdown_notebook("before", source, "after")
    notes = inert_notebook(nb)
    assert notes == [notes[0]] and notes[0].startswith("cell 2 (markdown) held markup")
    assert nb.cells[1].source == literal_html(source)
    rendered = shown(nb.cells[1])
    assert live_markup(rendered) == []
    assert page_text(rendered).strip() == source  # the TA reads exactly what was written
    assert [cell.source for cell in (nb.cells[0], nb.cells[2])] == ["before", "after"]


FORMGRADER_IDS = formgrader_ids([SOURCE / "notebooks" / name for name in NOTEBOOKS])


@pytest.mark.parametrize("source", id_hijacks(FORMGRADER_IDS))
def test_no_cell_takes_the_id_of_an_element_of_formgraders_page(source):
    """formgrade.js finds each score and comment box by its id, the first in the page
    winning: a heading `# inline_question_2_lstm` would take that question's box."""
    assert held_ids(rendered_markdown(source, {})) & FORMGRADER_IDS  # live without it
    nb = markdown_notebook(source)
    inert_notebook(nb)
    assert not held_ids(shown(nb.cells[0])) & FORMGRADER_IDS
    assert page_text(shown(nb.cells[0])).strip() == source


def test_headings_keep_their_ids_unless_they_are_formgraders():
    nb = markdown_notebook("# Inline Question 2", "## Why the LSTM helps")
    assert inert_notebook(nb) == []


def test_the_hostile_payloads_are_live_without_the_sanitiser():
    """The oracle finds them when nothing is done: the tests above are not vacuous."""
    for source in HOSTILE:
        if "attachment:" in source:
            continue  # nbconvert refuses to render it (formgrader's page fails)
        rendered = rendered_markdown(source, {})
        assert live_markup(rendered) or not is_inert(rendered), source


def test_a_fuzzed_mix_of_benign_and_hostile_text_always_renders_inert():
    pieces = [*BENIGN, *PAYLOADS.values(), *MORE_HOSTILE[:-2], "<", ">", "&", "`", "$", "\n\n"]
    generator = random.Random(1234)
    for _ in range(150):
        source = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 5)))
        nb = markdown_notebook(source)
        inert_notebook(nb)
        rendered = shown(nb.cells[0])
        assert live_markup(rendered) == [], source
        if nb.cells[0].source != source:
            assert page_text(rendered).strip() == source.strip()


def test_raw_cells_are_checked_as_html():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_raw_cell("<b>fine</b>"),
        nbformat.v4.new_raw_cell("<script>alert(1)</script>", metadata={"raw_mimetype": ""}),
    ]
    notes = inert_notebook(nb)
    assert nb.cells[0].source == "<b>fine</b>"
    assert nb.cells[1].source == literal_html("<script>alert(1)</script>")
    assert live_markup(nb.cells[1].source) == []
    assert notes == [notes[0]] and notes[0].startswith("cell 2 (raw)")
    assert nb.cells[1].metadata == {"raw_mimetype": ""}


def test_only_raster_attachments_are_kept():
    bundle = {
        "dot.png": {"image/png": PNG, "image/svg+xml": SVG, "text/html": "PGI+"},
        "dot.jpg": {"image/jpeg": [PNG[:20], PNG[20:]]},  # nbformat's multiline form
        "evil.svg": {"image/svg+xml": SVG},
        "broken.gif": {"image/gif": "not base64 !"},
    }
    nb = markdown_notebook("![a](attachment:dot.png) ![b](attachment:dot.jpg)", attachments=bundle)
    notes = inert_notebook(nb)
    assert nb.cells[0].attachments == {
        "dot.png": {"image/png": PNG},
        "dot.jpg": {"image/jpeg": PNG},
    }
    assert notes == [
        "cell 1 had an attachment that is not a PNG, JPEG or GIF image; it was removed"
    ]
    assert nb.cells[0].source == "![a](attachment:dot.png) ![b](attachment:dot.jpg)"
    rendered = shown(nb.cells[0])
    assert 'src="data:image/png;base64,' in rendered and live_markup(rendered) == []


def test_a_cell_that_shows_a_removed_attachment_is_shown_as_text():
    source = "![svg](attachment:evil.svg)"
    nb = markdown_notebook(source, attachments={"evil.svg": {"image/svg+xml": SVG}})
    notes = inert_notebook(nb)
    assert len(notes) == 2 and "attachment" in notes[0] and "plain text" in notes[1]
    assert "attachments" not in nb.cells[0]
    assert page_text(shown(nb.cells[0])).strip() == source


def test_metadata_outputs_and_ids_keep_only_what_jupyter_and_nbgrader_use():
    nb = nbformat.reads(hostile_notebook(REFERENCE[RNN_NB], {}).decode(), as_version=4)
    nb.cells[0]["id"] = 'x" onmouseover="alert(1)'
    nb.cells[1].metadata["tags"] = ["ok", {"not": "a tag"}]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "<script>"}
    inert_notebook(nb)
    assert list(nb.metadata) == ["kernelspec"]
    assert nb.cells[0]["id"].isalnum()
    assert "tags" not in nb.cells[1].metadata and "slideshow" not in nb.cells[1].metadata
    for cell in nb.cells:
        assert "outputs" not in cell or cell.outputs == []
        assert set(cell.metadata) <= {"nbgrader", "tags", "deletable", "editable",
                                      "autograder_section", "raw_mimetype", "collapsed",
                                      "scrolled"}  # fmt: skip
    nbformat.validate(nb)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_release_and_source_notebooks_need_nothing(name):
    for path in (REPO / "notebooks" / name, SOURCE / "notebooks" / name):
        nb = nbformat.read(path, as_version=4)
        before = copy.deepcopy(nb.cells)
        assert inert_notebook(nb) == []
        assert [(c.source, c.metadata) for c in nb.cells] == [
            (c.source, c.metadata) for c in before
        ]


def test_sanitising_twice_changes_nothing_more():
    nb = nbformat.reads(hostile_notebook(REFERENCE[RNN_NB], {"x": ""}).decode(), as_version=4)
    nb.cells += [nbformat.v4.new_markdown_cell(source) for source in PAYLOADS.values()]
    assert inert_notebook(nb)
    once = nbformat.writes(nb)
    assert inert_notebook(nb) == []
    assert nbformat.writes(nb) == once


def test_unreadable_notebooks_are_not_laid_out():
    assert inert_notebook_bytes(b"not a notebook") is None
    assert inert_notebook_bytes(b"\xff\xfe") is None
    data = inert_notebook_bytes(REFERENCE[RNN_NB])
    assert nbformat.reads(data.decode(), as_version=4).cells


def test_the_course_pipeline_runs_it_first_and_after_cells_may_be_retyped():
    assert SANITIZE[0] == "autograder.intake.inert_notebook.InertMarkup"
    retyping = SANITIZE.index("nbgrader.preprocessors.OverwriteCells")
    assert SANITIZE[retyping + 1] == "autograder.intake.inert_notebook.InertMarkup"


def test_a_code_cell_retyped_into_an_answer_is_made_inert_too(tmp_path):
    """RepairCells types a cell back to its release type: a code cell holding an inline
    answer's grade id becomes a markdown answer after the first pass has run."""
    nb = nbformat.reads(REFERENCE[RNN_NB].decode(), as_version=4)
    answer = next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("inline")
    )
    answer.cell_type = "code"
    answer.source = PAYLOADS["img-onerror"]
    answer.outputs, answer.execution_count = [], None
    notes, trouble = preview_sanitize(
        nbformat.writes(nb).encode(), REPO / "notebooks" / "RNN_Captioning.ipynb"
    )
    assert trouble is None
    assert any("changed back" in note for note in notes)
    assert any("plain text" in note for note in notes)


def test_check_notebook_reports_what_the_sanitiser_did():
    data = hostile_notebook(REFERENCE[RNN_NB], {"inline_question_1_rnn": PAYLOADS["script"]})
    notes, trouble = preview_sanitize(data, REPO / "notebooks" / "RNN_Captioning.ipynb")
    assert trouble is None
    # The answer, the raw cell, and the cell that shows a removed SVG attachment.
    assert sum("plain text" in note for note in notes) == 3
    assert sum("attachment" in note for note in notes) == 1
    assert len(extra_cells()) == 5


def test_text_that_takes_mistune_quadratic_time_is_shown_without_rendering():
    """Runs of "[" take mistune time that grows with the square of their length, in the
    grader and in formgrader: a long cell is shown as text, which renders at once."""
    source = "[" * 100_000
    nb = markdown_notebook(source)
    started = time.process_time()
    (note,) = inert_notebook(nb)
    assert "longer than the grader renders (20,000 characters" in note
    assert page_text(shown(nb.cells[0])).strip() == source
    assert time.process_time() - started < 5  # rendered as given: about a minute


def test_a_notebook_has_only_so_much_markdown_rendered():
    cell = "word " * (MAX_RENDERED_CELL // 5 - 1)
    count = MAX_RENDERED_NOTEBOOK // len(cell) + 3
    nb = markdown_notebook(*[cell] * count)
    notes = inert_notebook(nb)
    kept = [c.source == cell for c in nb.cells]
    assert kept == [True] * (count - 3) + [False] * 3
    assert [note.split(" (")[0] for note in notes] == [
        f"cell {n}" for n in range(count - 2, count + 1)
    ]
    assert inert_notebook(nb) == []  # the cells shown as text are not counted again
