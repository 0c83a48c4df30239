"""Text that came from a submission, made fit to show a person.

Type names, exception messages, file names inside an upload, names an LMS reports:
any of them can hold control characters (a terminal escape, a newline that forges a
line of feedback, a bidirectional override that reorders what is read) and be of any
length. Each is made plain where it enters a record the grader keeps, so that every
page, CSV and terminal line made of that record shows it the same way. HTML escaping
is still the job of whoever writes HTML (it is not done here).
"""

import unicodedata

ELLIPSIS = "…"
# Unicode categories shown as a space: controls, format characters (bidirectional
# overrides, zero-width characters), line and paragraph separators, unassigned and
# private-use code points, surrogates.
HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"}
MAX_PERSON_FIELD = 100


def plain(text: str, limit: int) -> str:
    """One printable line of at most limit characters.

    Inputs:
    - text: Any text from a submission
    - limit: Largest number of characters kept (a longer text is cut and ends with "…")

    Returns:
    - text with every control, format or separator character as a space, runs of
      whitespace as one space, stripped and capped
    """
    shown = "".join(
        " " if unicodedata.category(char) in HIDDEN_CATEGORIES else char for char in str(text)
    )
    shown = " ".join(shown.split())
    if len(shown) <= limit:
        return shown
    return shown[: max(limit - 1, 0)] + ELLIPSIS


def person_field(text: str) -> str:
    """A name, e-mail or id an LMS reports, fit for pages that do not escape it.

    nbgrader's formgrader writes a student's first and last name into its pages
    unescaped, so the angle brackets that would open a tag become their look-alikes
    (‹ ›); the rest is plain() text of at most MAX_PERSON_FIELD characters.
    """
    return plain(text, MAX_PERSON_FIELD).replace("<", "‹").replace(">", "›")
