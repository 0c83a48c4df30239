"""Text from submissions that reaches a person: CSV cells no spreadsheet runs, exception
texts with every number masked, type names, messages and file names plain and capped,
and every page that shows them escaped."""

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from adversarial_markup import formula_cells, live_markup

from autograder.checks.compare import array_problem, error_problem, mask_numbers
from autograder.intake.intake import NotGraded, read_intake
from autograder.plain_text import person_field, plain
from autograder.points import INLINE_QUESTIONS, ITEMS, TOTAL
from autograder.reports.csv_cells import csv_text, inert_cell
from autograder.reports.export import lms_grades_csv
from autograder.reports.report import feedback_html
from autograder.reports.roster import read_roster
from autograder.sandbox.results import MAX_ERROR, MAX_TYPE_NAME, CaseResult, read_result
from autograder.similarity.fingerprints import boilerplate_hashes
from autograder.similarity.pages import pair_page
from autograder.similarity.regions import LABELS, Region
from autograder.similarity.report import pair_row, summary_page, write_csv
from autograder.similarity.scores import Comparison
from autograder.similarity.sources import Document

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>`</code><b>"
FEEDBACK_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b",
                 "table", "tr", "th", "td", "code", "ul", "li"}  # fmt: skip


# --- CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1", "＝1", "=", "-x"],
)
def test_formula_cells_get_a_quote(cell):
    assert inert_cell(cell) == "'" + cell.replace("\r", "\n")
    assert formula_cells(csv_text([[inert_cell(cell)]])) == []


@pytest.mark.parametrize(
    "cell", ["0", "52", "3.5", "-1", "+2", "1e-3", "-0.25", ".5", "", "-", "+", "ok", "'=x"]
)
def test_numbers_empty_cells_and_text_stay_as_they_are(cell):
    assert inert_cell(cell) == cell


def test_csv_text_round_trips_through_csv_reader():
    rows = [["name", "score"], ['=HYPERLINK("x","y"), a', 3], ["line\nbreak", -1.5], [None, ""]]
    read = list(csv.reader(io.StringIO(csv_text(rows))))
    assert read == [["name", "score"], ['\'=HYPERLINK("x","y"), a', "3"],
                    ["line\nbreak", "-1.5"], ["", ""]]  # fmt: skip
    assert formula_cells(csv_text(rows)) == []


def test_no_module_writes_csv_but_through_csv_text():
    writers = []
    for path in (REPO / "autograder").rglob("*.py"):
        if path.name != "csv_cells.py" and re.search(
            r"csv\.(writer|DictWriter)\(", path.read_text()
        ):
            writers.append(path.relative_to(REPO).as_posix())
    assert writers == []


def test_the_lms_roster_written_back_has_no_formula(tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text(
        "Identifier,Full name,Email address,Status,Grade,Last modified (submission)\n"
        "Participant 1,=cmd|' /C calc'!A0,a@x.org,Submitted,,-\n"
        "Participant 2,Bob,@b@x.org,Submitted,-3,-\n"
    )
    record = {"student_id": "x_1", "total": 52.0, "result": {"lms": {"kind": "moodle", "id": "1"}}}
    text = lms_grades_csv([record], 55.0, read_roster(roster))
    assert formula_cells(text) == []
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][4] == "52" and rows[1][5] == "-"
    assert rows[2][2] == "'@b@x.org" and rows[2][4] == "-3"


def comparison_of_two() -> Comparison:
    labels = len(LABELS)
    return Comparison(
        pairs=np.array([[0, 1]]),
        is_class_pair=np.array([True]),
        similarity=np.full((1, labels), 0.9),
        tail=np.full((1, labels), 0.01),
        combined=np.array([1e-9]),
        score=np.array([0.99]),
        matches=np.ones((1, labels), dtype=bool),
    )


def test_similarity_outputs_hold_no_formula_and_no_markup(tmp_path):
    names = ["=1+2", f"refs/{HOSTILE}.py"]
    write_csv(tmp_path / "similarity.csv", comparison_of_two(), names, 0.95)
    text = (tmp_path / "similarity.csv").read_text()
    assert formula_cells(text) == []
    assert "'=1+2" in text
    page = summary_page(comparison_of_two(), names, 0.95, 1, [HOSTILE])
    assert live_markup(page, {"html", "head", "meta", "title", "style", "body", "h1", "h2",
                              "p", "b", "i", "img", "table", "tr", "th", "td", "a", "ul",
                              "li"}) == []  # fmt: skip


# --- exception texts and type names ---------------------------------------------------


@pytest.mark.parametrize(
    "text, shown",
    [
        ("ValueError: shapes (3,5) (4,) not aligned: 5 (dim 1) != 4 (dim 0)",
         "ValueError: shapes (…,…) (…,) not aligned: … (dim …) != … (dim …)"),
        ("IndexError: index 1003 is out of bounds for axis 0 with size 30",
         "IndexError: index … is out of bounds for axis … with size …"),
        ("ValueError: x=-3.5e-2, y=+7, z=.5, w=0x7f3a, v=٣٤",
         "ValueError: x=…, y=…, z=…, w=…, v=…"),
        ("TypeError: float64 vs int32 for W1, h0 and x2",
         "TypeError: float64 vs int32 for W1, h0 and x2"),
        ("ImportError: cs231n/rnn_layers.py could not be imported: SyntaxError: invalid syntax "
         "(rnn_layers.py, line 12)", "ImportError: cs231n/rnn_layers.py could not be imported: "
         "SyntaxError: invalid syntax (rnn_layers.py, line 12)"),
        ("SyntaxError: bad (secret_12.py, line 40)", "SyntaxError: bad (secret_….py, line …)"),
        ("ValueError: v_0.4172_1.25 a0.4172 b1.25 c3e5 1_000 ver1.2.3",
         "ValueError: v_…_… a… b… c… …_… ver……"),
    ],
)  # fmt: skip
def test_every_number_is_masked_but_a_student_files_own_line(text, shown):
    assert mask_numbers(text) == shown


def test_error_problem_masks_the_message_and_keeps_the_students_line():
    where = {"file": "cs231n/rnn_layers.py", "line": 42, "function": "rnn_forward"}
    result = CaseResult(error="IndexError: index 17 is out of bounds for axis 1 with size 9",
                        where=where)  # fmt: skip
    source = {"cs231n/rnn_layers.py": ["x = 1"] * 41 + ["    h = prev[17]\x1b[2J"]}
    problem = error_problem(result, source)
    assert not re.search(r"\b(9|17)\b(?!\])", problem.split("(line")[0])
    assert "(line 42 of cs231n/rnn_layers.py, in rnn_forward: `h = prev[17] [2J`)" in problem


def test_the_sandbox_result_is_read_plain_and_capped():
    long_type = "Evil" + "\u202e<script>" * 500
    status = {
        "error": "ValueError: " + "\x1b]0;title\x07 line\nforged: 3 / 3 points" * 200,
        "where": {"file": "cs231n/rnn_layers.py", "line": 3, "function": "f\u202e" * 100},
        "types": {"out": long_type},
        "report": {},
        "outputs": {},  # an object of that type, which is no array
    }
    result = read_result(status, [], ["out"], ["x"])
    assert len(result.types["out"]) <= MAX_TYPE_NAME and "\u202e" not in result.types["out"]
    assert len(result.error) <= MAX_ERROR and not re.search(r"[\x00-\x1f\u202e]", result.error)
    assert len(result.where["function"]) <= MAX_TYPE_NAME
    message = array_problem("out", "(N, H)", result, np.zeros((2, 3)), {"N": 2, "H": 3})
    assert len(message) < 200 and "\u202e" not in message


def test_plain_and_person_fields():
    assert plain("a\nb\tc\x1b[31m\u202ed\u200be", 100) == "a b c [31m d e"
    assert plain("x" * 10, 5) == "xxxx…" and len(plain("y" * 500, 60)) == 60
    assert (
        person_field("<img src=x onerror=alert(1)> Smith\n") == "‹img src=x onerror=alert(1)› Smith"
    )


def test_not_graded_names_are_shown_plain_and_capped(tmp_path):
    (tmp_path / ("\x1b[2J" + "z" * 200 + ".rar")).write_bytes(b"")
    (item,) = read_intake(tmp_path).not_graded
    name, reason = item.shown()
    assert name.startswith("[2Jzzz") and len(name) <= 120 and name.endswith("…")
    assert isinstance(item, NotGraded) and reason.startswith(".rar archives")


def test_a_blackboard_username_outside_the_id_alphabet_is_refused(tmp_path):
    for user in ("=cmd", ".."):
        attempt = f"HW3_{user}_attempt_2024-10-01-23-59-59"
        (tmp_path / f"{attempt}.txt").write_bytes(b"")
        (tmp_path / f"{attempt}_s.zip").write_bytes(b"")
    intake = read_intake(tmp_path)
    assert intake.entries == [] and len(intake.not_graded) == 4
    assert all("cannot be a student id" in item.reason for item in intake.not_graded)


# --- pages ----------------------------------------------------------------------------


def hostile_record() -> dict:
    verdict = {"score": 0.0, "message": f"raised ValueError: {HOSTILE}"}
    return {
        "student_id": "alice",
        "scores": {item: 0.0 for item in ITEMS},
        "auto_scores": {item: 0.0 for item in ITEMS},
        "manual": {question: None for question in INLINE_QUESTIONS},
        "comments": {
            **{item: HOSTILE for item in ITEMS},
            **{q: HOSTILE for q in INLINE_QUESTIONS},
        },
        "late_penalty": 0.0,
        "seconds_late": 0.0,
        "total": 0.0,
        "ungraded": list(INLINE_QUESTIONS),
        "stale": list(INLINE_QUESTIONS),
        "verdicts": {item: verdict for item in ITEMS},
        "result": {
            "status": f"grading failed: {HOSTILE}",
            "failed": True,
            "problems": [HOSTILE],
            "notebook_notes": {HOSTILE: [HOSTILE]},
            "leaderboard": {"rnn": {"message": HOSTILE}, "lstm": {"message": HOSTILE}},
            "lms": {"late": True},
        },
    }


def test_every_field_of_the_feedback_page_is_escaped():
    page = feedback_html(hostile_record(), TOTAL)
    assert live_markup(page, FEEDBACK_TAGS) == []
    assert page.count("&lt;script&gt;alert(2)&lt;/script&gt;") >= len(ITEMS)


def test_a_similarity_pair_page_escapes_the_names_and_the_code():
    code = f"    x = '{HOSTILE}'\n    return x  # </pre><script>alert(3)</script>\n"
    documents = [
        Document(name, {label: Region(code, 10) for label in LABELS})
        for name in (f"a{HOSTILE}", f"b{HOSTILE}")
    ]
    row = pair_row(comparison_of_two(), 0, 0.95)
    page = pair_page(row, documents[0], documents[1], boilerplate_hashes())
    assert live_markup(page, {"html", "head", "meta", "title", "style", "body", "h1", "h3",
                              "p", "table", "tr", "th", "td", "div", "pre", "span",
                              "em"}) == []  # fmt: skip
    assert page.count("&lt;script&gt;alert(2)") >= 2 * len(LABELS)
