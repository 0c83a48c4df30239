"""CSV text whose cells a spreadsheet shows as they are, never runs as formulas.

Excel, LibreOffice and Google Sheets read a cell that starts with `=`, `+`, `-` or
`@` (or with a tab or carriage return before one) as a formula, and a formula can
run commands or send the sheet elsewhere (OWASP, "CSV Injection"). Student names,
file names and statuses come from submissions, so every CSV the kit writes goes
through csv_text: a text cell that a spreadsheet would read as a formula gets a
single quote in front, as OWASP recommends and as spreadsheets show it (as text);
a number stays a number, so scores still add up. A lone `-` or `+` (Moodle's "no
submission") is no formula and is kept.
"""

import csv
import io
import re
from collections.abc import Iterable

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")  # the full-width forms too
NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def inert_cell(value: object) -> str:
    """The text of one CSV cell, with a quote in front if a spreadsheet would run it.

    Inputs:
    - value: The cell (None is an empty cell; anything else is written as str())

    Returns:
    - The cell's text, a carriage return as a newline (the csv module would leave a lone
      one unquoted and break the row): unchanged for numbers, empty cells, a lone sign
      and text that starts otherwise; "'" + text for text that starts (after spaces)
      with one of FORMULA_STARTS
    """
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    if text in ("-", "+") or NUMBER.fullmatch(text):
        return text
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]], lineterminator: str = "\n") -> str:
    """CSV text of rows (header first, if any), every cell made inert by inert_cell.

    Inputs:
    - rows: The rows, each an iterable of cells
    - lineterminator: What ends each row

    Returns:
    - The CSV text, quoted as the csv module quotes (minimal quoting)
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([inert_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
