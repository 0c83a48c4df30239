"""Markup and formula attacks on what people read: hostile inline answers, cells,
attachments, metadata, names and file names, and oracles that find live markup or
formulas in what the grader writes.

Every script payload, when it runs, sets an attribute `data-xss-<name>` on the page's
<html> element, so a browser's dump of the page says which ones ran. The oracles
(live_markup, formula_cells) are written from HTML's and spreadsheets' own rules,
independently of the kit's sanitiser, so a test that uses them checks the invariant
("nothing a student wrote is live where a person looks"), not the kit's allowlist.
"""

import base64
import csv
import html
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import nbgrader
from adversarial_corpus import LSTM_NB, REFERENCE, RNN_NB

MARK = "document.documentElement.setAttribute('data-xss-{}',1)"  # no space: a link's URL
MARKED = re.compile(r"data-xss-([\w-]+)")


def mark(name: str) -> str:
    """JavaScript that records, on the page, that the payload `name` ran."""
    return MARK.format(name)


# Markdown an inline answer can hold, by name; each runs mark(name) if it is live.
PAYLOADS = {
    "img-onerror": f'<img src="x" onerror="{mark("img-onerror")}">',
    "script": f"<script>{mark('script')}</script>",
    "svg-onload": f'<svg onload="{mark("svg-onload")}"></svg>',
    "details-ontoggle": f'<details open ontoggle="{mark("details-ontoggle")}">open</details>',
    "video-source-onerror": f'<video><source onerror="{mark("video-source-onerror")}"></video>',
    "input-onfocus": f'<input autofocus onfocus="{mark("input-onfocus")}">',
    "style-animation": (
        "<style>@keyframes spin {from {left: 0} to {left: 1px}}</style>"
        f'<div style="animation: spin 1ms" onanimationstart="{mark("style-animation")}">x</div>'
    ),
    "comment-breakout": f'<!--> <img src="x" onerror="{mark("comment-breakout")}"> -->',
    "mermaid": f'```mermaid\n<img src="x" onerror="{mark("mermaid")}">\n```',
    "anchor-onmouseover": (
        f'<a href="https://example.org" onmouseover="{mark("anchor-onmouseover")}">hover</a>'
    ),
    # Links written in markdown syntax, which no HTML sanitiser sees in the source.
    "md-link": f"[click](javascript:{mark('md-link')})",
    "md-autolink": f"<javascript:{mark('md-autolink')}>",
    "md-reference": f"[click][ref]\n\n[ref]: javascript:{mark('md-reference')}",
    "md-entity-scheme": f"[click](&#106;avascript:{mark('md-entity-scheme')})",
    "md-tab-scheme": f"[click](java&#9;script:{mark('md-tab-scheme')})",
    "md-upper-scheme": f"[click](JaVaScRiPt:{mark('md-upper-scheme')})",
    "md-image-link": f"[![x](https://example.org/x.png)](javascript:{mark('md-image-link')})",
    "html-link": f'<a href="javascript:{mark("html-link")}">click</a>',
}
# What a readable answer looks like: every one must stay exactly as written.
BENIGN = [
    "The hidden state is **bounded**: $|h_t| < 1$ since $a<b$ and $\\tanh(x) \\in (-1, 1)$.",
    "# Why\n\n1. *vanishing* gradients\n2. `np.tanh` saturates\n\n> a quote",
    "| gate | role |\n|:--|--:|\n| $i$ | input |\n| $f$ | forget |",
    "- [x] forward\n- [ ] backward\n\nSee [the paper](https://arxiv.org/abs/1409.3215) or "
    "<mailto:ta@example.org>.",
    "```python\nnext_h = o * np.tanh(next_c)  # <script> in code is text\n```",
    "H<sub>2</sub>O and x<sup>2</sup>, <b>bold</b>, <i>it</i>, line<br>break",
    "$$\\frac{\\partial L}{\\partial h_t} = \\sum_{k > t} \\frac{\\partial L_k}{\\partial h_t}$$",
]
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()
SVG = base64.b64encode(
    f'<svg xmlns="http://www.w3.org/2000/svg" onload="{mark("svg-attachment")}"/>'.encode()
).decode()
# The answers of the hostile submission's three inline questions (one stays benign).
ANSWERS = {
    "inline_question_1_rnn": "The words stay: the model forgets long captions.\n\n"
    + "\n\n".join(PAYLOADS[name] for name in list(PAYLOADS)[:9]),
    "inline_question_1_lstm": "The gates keep the gradient alive.\n\n"
    + "\n\n".join(PAYLOADS[name] for name in list(PAYLOADS)[9:]),
    "inline_question_2_lstm": BENIGN[0],
}
RETYPED = ("inline_question_1_lstm",)  # handed in as a code cell
STUDENT_WORDS = ["The words stay: the model forgets long captions.", "gates keep the gradient"]
# Names whose cells a spreadsheet would run: an LMS name and files the grader does not take.
FORMULA_NAME = "=SUM(1,2)<img src=x onerror=alert(1)>"
CANVAS_FILE = f"{FORMULA_NAME}_12345_6789012_submission.zip"
NOT_GRADED_FILES = ["=HYPERLINK(1).rar", "+cmd.7z", "@SUM(1).txt", "-2+3.rar", "\x1b[2Jclear.rar"]


def extra_cells() -> list:
    """Cells a student adds: a raw cell, attachments, outputs and metadata with payloads."""
    raw = nbformat.v4.new_raw_cell(
        f"<script>{mark('raw-cell')}</script>", metadata={"raw_mimetype": "text/html"}
    )
    svg = nbformat.v4.new_markdown_cell(
        "A figure: ![svg](attachment:figure.svg) ![png](attachment:dot.png)",
        attachments={"figure.svg": {"image/svg+xml": SVG}, "dot.png": {"image/png": PNG}},
    )
    png = nbformat.v4.new_markdown_cell(
        "A harmless picture: ![dot](attachment:dot.png)",
        attachments={"dot.png": {"image/png": PNG}},
    )
    output = nbformat.v4.new_code_cell(
        "print('hi')",
        outputs=[
            nbformat.v4.new_output(
                "display_data",
                data={
                    "text/html": f'<img src="x" onerror="{mark("output-html")}">',
                    "application/javascript": mark("output-js"),
                },
            )
        ],
        # nbformat's tags hold no comma: the payload sets data-xss-tag through dataset.
        metadata={
            "tags": ['x" onmouseover="document.documentElement.dataset.xssTag=1'],
            "jupyter": {},
        },  # fmt: skip
    )
    # A markdown cell that claims to be an answer under a grade_id formgrader writes raw.
    stranger = nbformat.v4.new_markdown_cell(
        "Stranger cell.",
        metadata={
            "nbgrader": {
                "grade": True,
                "solution": True,
                "locked": False,
                "points": 1,
                "schema_version": 3,
                "task": False,
                "cell_type": "markdown",
                "grade_id": f'"><img src="x" onerror="{mark("grade-id")}">',
            }  # fmt: skip
        },
    )
    stranger["outputs"] = [
        nbformat.v4.new_output("display_data", data={"text/html": "<b>not shown</b>"})
    ]
    return [raw, svg, png, output, stranger]


def hostile_notebook(data: bytes, answers: dict[str, str], retyped: tuple[str, ...] = ()) -> bytes:
    """A notebook with its inline answers replaced (those named in retyped turned into
    code cells, which nbgrader's pipeline types back to markdown), the extra cells
    appended, and notebook metadata that nbconvert puts into a page (title, widgets)."""
    nb = nbformat.reads(data.decode(), as_version=4)
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        if grade_id in retyped:
            nb.cells[index] = nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata)
    nb.cells += extra_cells()
    nb.metadata["title"] = f"</title><script>{mark('title')}</script>"
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"w": {"model_name": "HTMLModel", "state": {"value": "<img src=x>"}}}
        }
    }
    return nbformat.writes(nb).encode()


def hostile_files() -> dict[str, bytes]:
    """The reference answers with hostile notebooks: every autograded item still earns
    its points."""
    return {
        **REFERENCE,
        RNN_NB: hostile_notebook(REFERENCE[RNN_NB], ANSWERS),
        LSTM_NB: hostile_notebook(REFERENCE[LSTM_NB], ANSWERS, RETYPED),
    }


def write_submissions(folder: Path) -> None:
    """The hostile submission in Canvas's naming (its student's name a formula), a
    clean control (the reference, `control.zip`) and files the grader does not take."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, files in ((CANVAS_FILE, hostile_files()), ("control.zip", REFERENCE)):
        with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in sorted(files.items()):
                archive.writestr(member, data)
    for name in NOT_GRADED_FILES:
        (folder / name).write_bytes(b"not a submission")


# --- oracles -----------------------------------------------------------------------

# Formatting only: what the oracle accepts as harmless HTML elements.
HARMLESS_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "xlink:href", "poster", "background",
    "srcset", "ping", "cite", "codebase", "manifest", "longdesc", "lowsrc", "dynsrc",
}  # fmt: skip
SAFE_URL = re.compile(
    r"(https?:|mailto:|#|data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=]*$)", re.IGNORECASE
)
INLINE_IMAGE = re.compile(r"(data:image/(png|jpeg|gif);base64,|attachment:)", re.IGNORECASE)


def fetched(url: str) -> bool:
    """Whether an image's URL is one a browser fetches from a server (an absolute or
    protocol-relative URL that is no inline image; a page's own file is neither)."""
    absolute = ":" in url.split("/")[0] or url.startswith("//")
    return absolute and not INLINE_IMAGE.match(url)


OPENS_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")


class _Findings(HTMLParser):
    def __init__(self, tags: set[str]):
        super().__init__(convert_charrefs=True)
        self.tags, self.found = tags, []

    def handle_starttag(self, tag, attrs):
        if tag not in self.tags:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "")
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.found.append(f"{name} attribute on <{tag}>")
            elif name == "style" and not re.fullmatch(r"\s*text-align:\s*\w+;?\s*", value or ""):
                self.found.append(f"style attribute on <{tag}>")
            elif name in URL_ATTRIBUTES and ":" in url.split("/")[0] and not SAFE_URL.match(url):
                self.found.append(f"{name}={url[:40]!r} on <{tag}>")
            elif tag == "img" and name == "src" and fetched(url):
                self.found.append(f"an image fetched from {url[:40]!r}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.found.append("a comment")


def live_markup(text: str, tags: set[str] = HARMLESS_TAGS) -> list[str]:
    """What in an HTML text could run, load or restyle when a browser shows it: elements
    outside tags, event handlers, styles, URLs of other schemes than http, https, mailto
    (and raster data: images), images a browser would fetch, comments, and tags a browser
    opens that the parser did not read as tags. Empty when the text is inert."""
    parser = _Findings(tags)
    parser.feed(text)
    parser.close()
    found = parser.found
    for closing, name in OPENS_TAG.findall(text):
        if name.lower() not in tags:
            found.append(f"<{closing}{name.lower()}> opens in the text")
    return found


FORMULA = tuple("=+-@\t\r\n＝＋－＠")


def formula_cells(text: str) -> list[str]:
    """Cells of a CSV text that a spreadsheet would read as a formula (numbers aside)."""
    number = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if (cell[:1] in FORMULA or cell.lstrip()[:1] in FORMULA)
        and not number.fullmatch(cell)
        and cell not in ("-", "+")
    ]


FORMGRADER_PAGE = (
    Path(nbgrader.__file__).parent
    / "server_extensions/formgrader/templates/formgrade/index.html.j2"
)
GRADE_ID = "{{ cell.metadata.nbgrader.grade_id }}"


def formgrader_ids(notebooks: list[Path]) -> set[str]:
    """Every id on formgrader's page for these notebooks, in lower case, read from
    nbgrader's own template: its fixed ids, and its ids of each grade cell for each grade
    id the notebooks hold."""
    template = re.findall(r'\bid="([^"]*)"', FORMGRADER_PAGE.read_text())
    ids = {element_id.lower() for element_id in template if "{" not in element_id}
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                ids |= {t.replace(GRADE_ID, grade_id).lower() for t in template if GRADE_ID in t}
    return ids


def id_hijacks(element_ids: set[str]) -> list[str]:
    """Cells that would give an element the id of one of formgrader's (each of
    element_ids): a markdown heading of its text, in another letter case, and raw HTML."""
    cells = []
    for element_id in sorted(element_ids):
        cells += [f"# {element_id}", f"## {element_id.upper()}", f'<h3 id="{element_id}">x</h3>']
    return cells


def held_ids(text: str) -> set[str]:
    """The id of every element of an HTML text, in lower case (HTML's own reading)."""
    found = set()

    class Ids(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.update(value.lower() for name, value in attrs if name == "id" and value)

    Ids().feed(text)
    return found


def page_text(text: str) -> str:
    """The text a person reads on an HTML page (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))
