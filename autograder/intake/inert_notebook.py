"""Make a submitted notebook inert: nothing in it runs in the browser of whoever views it.

formgrader shows a TA each submission by rendering its autograded notebook with
nbconvert, whose markdown renderer passes a cell's HTML through untouched, keeps
`javascript:` links, and writes a mermaid block's text into the page unescaped; the
TA's browser is logged in to Jupyter, whose terminal API is one request away. So
every notebook is made inert before nbgrader or formgrader sees it: by the worker
before it lays a submission out, and by InertMarkup in the course's sanitize pipeline
(course.py: first, and again after the steps that may retype a cell), so nbgrader's
own `autograde` does the same.

- Markdown cells are rendered as formgrader renders them (nbconvert's own markdown
  filter, the cell's attachments included) and that HTML is checked against an
  allowlist by nh3 (inert_html.py), which sees links and images written in markdown
  syntax (`[x](javascript:...)`, `<javascript:...>`, reference definitions, encoded
  schemes) once they are HTML. A cell whose rendering holds anything outside the
  allowlist, or that cannot be rendered, is shown as its own text, word for word
  (literal_html); every other cell is left exactly as it is. A cell longer than
  MAX_RENDERED_CELL characters, or beyond the notebook's MAX_RENDERED_NOTEBOOK, is
  shown as text without being rendered (mistune takes quadratic time on some text).
- Raw cells, which nbconvert writes into the page as HTML, are checked as HTML the
  same way and shown as text if they hold anything outside the allowlist.
- Attachments keep only PNG, JPEG and GIF images (valid base64); SVG, HTML and any
  other type are removed.
- Outputs and execution counts are cleared (nbgrader's ClearOutput does it too; the
  notebook a TA opens in Jupyter holds none either).
- Metadata: the notebook keeps only its kernelspec (nbconvert reads `widgets` to load
  and render widgets, `title` into the page, `language_info` to pick a highlighter);
  a cell keeps only the keys Jupyter and nbgrader use (nbgrader's own is repaired by
  RepairCells next), of the plain types they have; a cell id that is not one is
  renewed.
"""

import base64
import binascii
import re
import uuid

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.strings import strip_files_prefix
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.intake.inert_html import is_inert, is_literal, literal_html

RASTER_IMAGES = ("image/png", "image/jpeg", "image/gif")
NOTEBOOK_METADATA = ("kernelspec",)
# mistune renders some text (runs of "[") in time that grows with the square of its length:
# what one cell, and one notebook, may have rendered (the release's longest markdown cell
# holds 2,012 characters, all of its markdown 19,964).
MAX_RENDERED_CELL = 20_000
MAX_RENDERED_NOTEBOOK = 200_000
CELL_FLAGS = ("deletable", "editable", "autograder_section", "collapsed", "scrolled")
CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # nbformat's own patterns
TAG = re.compile(r"[^,]+")
WHITESPACE = re.compile(r"\s+")
SHOWN_AS_TEXT = (
    "cell {number} ({kind}) held markup that could run in a browser or is not allowed "
    "(scripts, event handlers, javascript: links, forms, frames, styles, comments, ...); "
    "your TA sees it as plain text, word for word"
)
TOO_LONG = (
    "cell {number} (markdown) is longer than the grader renders ({limit:,} characters, or "
    "what is left of the notebook's share); your TA sees it as plain text, word for word"
)
ATTACHMENT_REMOVED = (
    "cell {number} had an attachment that is not a PNG, JPEG or GIF image; it was removed"
)
_exporter: HTMLExporter | None = None


def rendered_markdown(source: str, attachments: dict) -> str:
    """A markdown cell's HTML as formgrader shows it (nbconvert's markdown2html filter,
    then strip_files_prefix). Raises whatever nbconvert raises (a missing attachment)."""
    global _exporter
    if _exporter is None:
        _exporter = HTMLExporter()
    context = {"cell": {"attachments": attachments}, "resources": {}}
    return strip_files_prefix(_exporter.markdown2html(context, source))


def shows_inert(cell: NotebookNode) -> bool:
    """Whether a cell's text is inert as nbconvert puts it into a page: a markdown cell
    rendered, any other cell that is not code as HTML (literal_html's text is)."""
    if is_literal(cell.source):
        return True
    if cell.get("cell_type") != "markdown":
        return is_inert(cell.source)
    try:
        html = rendered_markdown(cell.source, cell.get("attachments", {}))
    except Exception:  # noqa: BLE001 - a cell nbconvert cannot render breaks formgrader's page
        return False
    return is_inert(html)


def raster_attachments(attachments) -> dict:
    """The PNG, JPEG and GIF images of a cell's attachments, as whitespace-free base64
    (an attachment left with none of them is dropped)."""
    kept = {}
    if not isinstance(attachments, dict):
        return kept
    for name, bundle in attachments.items():
        if not isinstance(name, str) or not isinstance(bundle, dict):
            continue
        images = {}
        for mime in RASTER_IMAGES:
            data = bundle.get(mime)
            if isinstance(data, list) and all(isinstance(line, str) for line in data):
                data = "".join(data)
            if not isinstance(data, str):
                continue
            data = WHITESPACE.sub("", data)
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                continue
            images[mime] = data
        if images:
            kept[name] = images
    return kept


def _attachments_changed(before, after: dict) -> bool:
    if not isinstance(before, dict) or set(before) != set(after):
        return True
    return any(set(before[name]) != set(after[name]) for name in after)


def inert_metadata(metadata) -> NotebookNode:
    """A cell's metadata with only the keys Jupyter and nbgrader use, of plain types."""
    if not isinstance(metadata, dict):
        return NotebookNode()
    kept = NotebookNode()
    if "nbgrader" in metadata:
        kept["nbgrader"] = metadata["nbgrader"]  # RepairCells makes it the release's
    tags = metadata.get("tags")
    if isinstance(tags, list) and all(isinstance(tag, str) and TAG.fullmatch(tag) for tag in tags):
        kept["tags"] = tags
    mimetype = metadata.get("raw_mimetype")
    if isinstance(mimetype, str):
        kept["raw_mimetype"] = mimetype
    for flag in CELL_FLAGS:
        if isinstance(metadata.get(flag), bool | str):
            kept[flag] = metadata[flag]
    return kept


def inert_cell(cell: NotebookNode, number: int, room: int = MAX_RENDERED_NOTEBOOK) -> list[str]:
    """Make one cell inert (in place); returns what the student and TA are told.

    Inputs:
    - cell: A cell of a notebook read by nbformat
    - number: Its number in the notebook (1 for the first), for the notes
    - room: How many characters of markdown the notebook may still have rendered
    """
    notes = []
    cell.metadata = inert_metadata(cell.get("metadata"))
    if not isinstance(cell.get("id", ""), str) or not CELL_ID.fullmatch(cell.get("id", "x")):
        cell["id"] = uuid.uuid4().hex[:12]
    if not isinstance(cell.get("source"), str):
        cell.source = str(cell.get("source") or "")
    if cell.get("cell_type") == "code":
        cell.outputs, cell.execution_count = [], None
        cell.pop("attachments", None)
        return notes
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    if "attachments" in cell:
        kept = raster_attachments(cell.attachments)
        if _attachments_changed(cell.attachments, kept):
            notes.append(ATTACHMENT_REMOVED.format(number=number))
        cell.attachments = kept
        if not kept:
            del cell["attachments"]
    kind = cell.get("cell_type") if cell.get("cell_type") in ("markdown", "raw") else "unknown"
    to_render = kind == "markdown" and not is_literal(cell.source)
    if to_render and len(cell.source) > min(MAX_RENDERED_CELL, room):
        cell.source = literal_html(cell.source)
        notes.append(TOO_LONG.format(number=number, limit=MAX_RENDERED_CELL))
    elif not shows_inert(cell):
        cell.source = literal_html(cell.source)
        notes.append(SHOWN_AS_TEXT.format(number=number, kind=kind))
    return notes


def inert_notebook(nb: NotebookNode) -> list[str]:
    """Make a notebook inert (in place; the module's docstring says how).

    Inputs:
    - nb: A notebook read by nbformat (version 4)

    Returns:
    - One sentence per change the student and TA should know of (a cell shown as
      text, an attachment removed); empty if there was none
    """
    metadata = nb.get("metadata")
    nb.metadata = NotebookNode(
        {
            key: metadata[key]
            for key in NOTEBOOK_METADATA
            if isinstance(metadata, dict) and key in metadata
        }
    )
    notes, room = [], MAX_RENDERED_NOTEBOOK
    for index, cell in enumerate(nb.cells):
        source = cell.get("source")
        notes += inert_cell(cell, index + 1, room)
        if cell.get("cell_type") == "markdown" and isinstance(source, str):
            room -= 0 if is_literal(source) else len(source)
    return notes


def inert_notebook_bytes(data: bytes) -> bytes | None:
    """A notebook file made inert, or None if it cannot be read as a notebook."""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        inert_notebook(nb)
        return nbformat.writes(nb).encode()
    except Exception:  # noqa: BLE001 - whatever cannot be read is not laid out
        return None


class InertMarkup(NbGraderPreprocessor):
    """nbgrader sanitize step (the first): inert_notebook, every change logged."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        name = resources.get("nbgrader", {}).get("notebook", "notebook")
        for note in inert_notebook(nb):
            self.log.warning("%s: %s", name, note)
        return nb, resources
