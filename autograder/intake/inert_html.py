"""Whether a piece of HTML is harmless to show in a grader's browser, decided by nh3.

nh3 (Python bindings of the Rust sanitiser ammonia, which parses HTML as browsers
do, with html5ever) removes from a copy of the HTML everything outside an allowlist:
formatting tags only; `href` of the schemes http, https, mailto and attachment or a
`#fragment`; an image's `src` only inline, as a PNG, JPEG or GIF `data:` URL (how
nbconvert shows a cell's attachments) or an attachment, never a URL a browser would
fetch (a request into the grader's own server in the TA's session, or a tracking
pixel); no relative URL but a fragment; `class` only with the names nbconvert's own renderer
and Pygments write; `style` only as the `text-align` of table cells; `id` only on a
heading (nbconvert makes one of its text), and only if it names no element of
formgrader's page (names_formgraders_element). The HTML is harmless when that copy
has lost nothing: the same elements, attributes and text, compared through Python's
HTML parser, and no `<` that opens a tag outside the allowlist, a comment, a
declaration or a processing instruction, as a browser's tokenizer would read it.
Anything else (scripts, event handlers, `javascript:` links, forms, frames, SVG,
styles, comments, an element HTML does not know, a heading that takes the id of a
grade box) makes the whole piece not harmless; the caller then shows it as text
(literal_html).
"""

import html
import re
from functools import cache
from html.parser import HTMLParser

import nbformat
import nh3
from pygments.token import STANDARD_TYPES

from autograder.paths import NOTEBOOKS, SOURCE

HEADINGS = {f"h{level}" for level in range(1, 7)}
TAGS = HEADINGS | {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
TABLE_CELL = {"align", "colspan", "rowspan", "style"}
ATTRIBUTES = {
    "*": {"class"},  # the renderer's names only (_attribute)
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"checked", "disabled"},
    "ol": {"start"},
    "td": TABLE_CELL,
    "th": TABLE_CELL,
    **{heading: {"id"} for heading in HEADINGS},
}
# What nbconvert's markdown renderer writes: task-list checkboxes, always disabled.
INPUT_TYPES = {"input": {"type": {"checkbox"}}}
INPUT_DISABLED = {"input": {"disabled": ""}}
# Class names that nbconvert's renderer (headings' anchors, task lists, mermaid and
# fenced code blocks) and Pygments' highlighting write, and literal_html's own;
# nothing that names a part of the grader's page.
RENDERER_CLASSES = {
    "anchor-link", "highlight", "hll", "jp-Mermaid", "mermaid", "task-list-item",
    "task-list-item-checkbox", "tex2jax_ignore", *filter(None, STANDARD_TYPES.values()),
}  # fmt: skip
# Ids of formgrader's own page (nbgrader's formgrade/index.html.j2 and its scripts). For
# each cell of a grade id it also writes `<grade_id>`, `<grade_id>-comment` and
# `<grade_id>_extra_credit`, which formgrade.js finds by id, the first match in the page
# winning: a heading of such an id (`# inline_question_2_lstm`) would take the grade box.
FORMGRADER_PAGE_IDS = ("notebook", "notebook-container", "statusmessage", "help-dialog")
CODE_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")
URL_SCHEMES = {"http", "https", "mailto", "attachment", "data"}  # data: see _attribute
URL_IGNORED = re.compile(r"[\t\n\r]")  # what a browser drops from a URL
URL_TRIMMED = "".join(map(chr, range(33)))  # and trims from its ends (controls, space)
RASTER_DATA_URL = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=]*")
# What a browser's tokenizer reads as the start of markup after "<": a tag's name,
# "!" / "?" (comments, declarations, CDATA, processing instructions), or "/" before
# anything else (a bogus comment).
MARKUP_OPENING = re.compile(r"<(?:/?([A-Za-z][^\t\n\f\r />]*)|[!?]|/)")
LITERAL_CLASS = "tex2jax_ignore"  # MathJax leaves it alone (it skips <pre> as well)
LITERAL = re.compile(rf'<pre class="{LITERAL_CLASS}">[^<\[]*</pre>')


@cache
def grade_ids() -> frozenset[str]:
    """The grade ids of the release's notebooks (SOURCE/notebooks), in lower case."""
    found = set()
    for name in NOTEBOOKS:
        for cell in nbformat.read(SOURCE / "notebooks" / name, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if isinstance(grade_id, str):
                found.add(grade_id.lower())
    return frozenset(found)


def names_formgraders_element(element_id: str) -> bool:
    """Whether an id is (or, for a grade id, starts as) one of formgrader's page, in any
    letter case: every id formgrader writes for a grade cell starts with its grade id."""
    lowered = element_id.lower()
    return lowered in FORMGRADER_PAGE_IDS or any(map(lowered.startswith, grade_ids()))


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: class names only the renderer's; an id none of
    formgrader's page; an image only from the notebook itself (a raster data: URL or an
    attachment), never fetched from a server (a request to the grader's own Jupyter in
    the TA's session, or a pixel that tells the student when the TA looked); no other
    data: URL (each URL read as a browser reads it: tabs and newlines dropped, spaces
    and controls trimmed)."""
    if attribute == "id":
        return None if names_formgraders_element(value) else value
    if attribute == "class":
        names = value.split()
        known = all(n in RENDERER_CLASSES or CODE_LANGUAGE_CLASS.fullmatch(n) for n in names)
        return value if known else None
    url = URL_IGNORED.sub("", value).strip(URL_TRIMMED)
    if element == "img" and attribute == "src":
        inline = RASTER_DATA_URL.fullmatch(value) or url.lower().startswith("attachment:")
        return value if inline else None
    return None if url.lower().startswith("data:") else value


def _relative_url(url: str) -> str | None:
    """nh3's rule for relative URLs: only a #fragment (a heading's anchor)."""
    return url if url.startswith("#") else None


CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags=set(),
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    strip_comments=True,
    link_rel=None,
    tag_attribute_values=INPUT_TYPES,
    set_tag_attribute_values=INPUT_DISABLED,
    url_schemes=URL_SCHEMES,
    filter_style_properties={"text-align"},
    url_relative=_relative_url,
)


class _Content(HTMLParser):
    """What an HTML text holds, in order: start tags with their attributes, text
    (whitespace runs as one space, entities decoded, NUL dropped) and any comment, declaration or
    processing instruction. End tags are left out: they carry nothing that runs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple] = []
        self.text: list[str] = []

    def _flush(self) -> None:
        # NUL: a browser drops it from text, and so does nh3.
        text = " ".join("".join(self.text).replace("\0", "").split())
        self.text = []
        if text:
            self.items.append(("text", text))

    def _add(self, *item) -> None:
        self._flush()
        self.items.append(item)

    def handle_starttag(self, tag, attrs):
        self._add("tag", tag, tuple(sorted((name, value or "") for name, value in attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self._add("comment", data)

    def handle_decl(self, decl):
        self._add("declaration", decl)

    def handle_pi(self, data):
        self._add("processing instruction", data)

    def unknown_decl(self, data):
        self._add("declaration", data)


def content(text: str) -> list[tuple]:
    """The start tags, text and other markup of an HTML text, in order (see _Content)."""
    parser = _Content()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.items


def opens_foreign_markup(text: str) -> bool:
    """Whether a browser would read a tag outside TAGS, a comment, a declaration or a
    processing instruction in text (by the tokenizer's rule for what follows "<")."""
    for match in MARKUP_OPENING.finditer(text):
        name = match.group(1)
        if name is None or name.lower() not in TAGS:
            return True
    return False


def is_inert(text: str) -> bool:
    """Whether HTML text holds nothing outside the allowlist (the module's docstring).

    Inputs:
    - text: An HTML fragment (a rendered markdown cell, a raw cell)

    Returns:
    - True if nh3's cleaned copy keeps every element, attribute and text of it and
      no markup outside the allowlist opens in it
    """
    if opens_foreign_markup(text):
        return False
    return content(CLEANER.clean(text)) == content(text)


def is_literal(text: str) -> bool:
    """Whether text is what literal_html writes (inert: no "<" or "[" inside the <pre>)."""
    return LITERAL.fullmatch(text) is not None


def literal_html(text: str) -> str:
    """HTML that shows text exactly as written, as plain preformatted text.

    Every `&`, `<` and `>` is escaped, so nothing in it is markup; in a markdown cell
    it is one HTML block from `<pre` to the only `</pre>`, which a markdown renderer
    passes through whole. `[` is written as a character reference too: mistune looks
    for links in it otherwise, in time that grows with the square of their number.
    """
    escaped = html.escape(text, quote=False).replace("[", "&#91;")
    return f'<pre class="{LITERAL_CLASS}">{escaped}</pre>'
