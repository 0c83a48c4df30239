"""The student corpus is well formed: every case is a complete submission and cases.toml
gives it a verdict for every item: a verdict's name or fractions of the item's points.

The corpus itself (realistic student code and the verdicts the grading policy gives it) is
described in tests/student_corpus/cases.toml; the test that grades it lives with the grader.
"""

import ast
import functools
import shutil
import tomllib
from pathlib import Path

import pytest

from autograder.points import POINTS
from autograder.provided import provided_module

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "student_corpus"
MODULES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
RIGHT, WRONG = "right", "wrong"
VERDICTS = '"right", "wrong", { in_place = [inputs] } or { min = a, below = b }'
KNOWN_MISTAKES = set(provided_module("known_mistakes").MISTAKES)


@functools.cache
def marker_layout(text: str) -> tuple[tuple[str, str], ...]:
    """Every START / END marker line of a module, with the function that holds it.

    Inputs:
    - text: Source of a student-edited module (it must parse)

    Returns:
    - (name of the module-level function or method, marker line as written with its
      indentation), in order
    """
    tree = ast.parse(text)
    classes = [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    functions = [
        node
        for node in tree.body + [node for body in classes for node in body]
        if isinstance(node, ast.FunctionDef)
    ]
    layout = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() in (START, END):
            owners = [f.name for f in functions if f.lineno <= number <= f.end_lineno]
            layout.append((owners[0] if owners else "<module>", line))
    return tuple(layout)


def regions(text: str) -> dict[str, str]:
    """The code between each START and END line of a module, by the function holding it.

    Inputs:
    - text: Source of a student-edited module with intact marker lines

    Returns:
    - Map from function name to the text of its region
    """
    layout = marker_layout(text)
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines) if line.strip() == START]
    ends = [n for n, line in enumerate(lines) if line.strip() == END]
    owners = [owner for owner, line in layout if line.strip() == START]
    return {
        owner: "\n".join(lines[a + 1 : b]) for owner, a, b in zip(owners, starts, ends, strict=True)
    }


def items_of(function: str) -> list[str]:
    """The autograded items that judge a student function."""
    if function in ("loss", "sample"):
        return [f"{function}_rnn", f"{function}_lstm"]
    return [function]


def named_items(verdict: dict) -> set[str]:
    """The items a case's verdict says something about: those it does not call right, and
    those whose message it checks."""
    named = set(verdict.get("messages", {})) | set(verdict.get("mistakes", {}))
    return named | {item for item, v in verdict.get("verdicts", {}).items() if v != RIGHT}


def base_problems(case: str, verdict: dict, corpus: Path) -> list[str]:
    """Regions where a case differs from its base case without its verdict saying so."""
    base = verdict.get("base")
    if base is None:
        return []
    if not (corpus / base).is_dir() or base == case:
        return [f"{case}: its base {base!r} is not another case of the corpus"]
    named = named_items(verdict)
    problems = []
    for relative in MODULES:
        mine = regions((corpus / case / relative).read_text())
        theirs = regions((corpus / base / relative).read_text())
        for function in sorted(f for f in mine if mine[f] != theirs.get(f)):
            if not named & set(items_of(function)):
                problems.append(
                    f"{case}: {function} differs from {base}, but its verdict names none of "
                    f"{items_of(function)}"
                )
    return problems


def module_problems(path: Path, release: Path) -> list[str]:
    """Why one case module is not a complete, intact submission file (empty if it is)."""
    if not path.is_file():
        return [f"{path.name} is missing"]
    text = path.read_text()
    try:
        compile(text, str(path), "exec")
    except SyntaxError as error:
        return [f"{path.name} does not compile (line {error.lineno}: {error.msg})"]
    if marker_layout(text) != marker_layout(release.read_text()):
        return [f"{path.name}: the START / END OF YOUR CODE lines differ from the release"]
    return []


def verdict_problem(item: str, verdict) -> str | None:
    """Why an expected verdict is not a valid one for item (None if it is)."""
    if verdict in (RIGHT, WRONG):
        return None
    if isinstance(verdict, dict) and set(verdict) == {"in_place"}:
        names = verdict["in_place"]
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            return None
        return f"{item}: in_place is a list of the inputs changed in place"
    if not isinstance(verdict, dict) or set(verdict) != {"min", "below"}:
        return f"{item}: {verdict!r} is no verdict ({VERDICTS})"
    if not item.startswith("sample_"):
        return f"{item}: a range of scores is only for sampling items"
    if not all(isinstance(v, int | float) for v in verdict.values()) or not (
        0 <= verdict["min"] < verdict["below"] <= 1
    ):
        return f"{item}: the range {verdict} is not of fractions of its points"
    return None


def list_problems(case: str, table: str, lists: dict, known: set[str] | None) -> list[str]:
    """Why a case's messages or mistakes table is not a list of words per item (of the
    known ones, if given)."""
    problems = []
    for item, words in lists.items():
        if item not in POINTS:
            problems.append(f"{case}: {table} name {item}, not an autograded item")
        elif (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            problems.append(f"{case}: {table} of {item} must be a list of words")
        elif known is not None:
            unknown = [word for word in words if word not in known]
            problems += [f"{case}: {item}: no classic mistake {word!r}" for word in unknown]
    return problems


def verdict_problems(case: str, verdict: dict) -> list[str]:
    """Why one case's table in cases.toml is not a complete verdict (empty if it is)."""
    problems = []
    description = verdict.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        problems.append(f"{case}: needs a one-line description")
    verdicts = verdict.get("verdicts", {})
    if set(POINTS) - set(verdicts):
        problems.append(f"{case}: no verdict for {sorted(set(POINTS) - set(verdicts))}")
    if set(verdicts) - set(POINTS):
        problems.append(f"{case}: verdicts of unknown items {sorted(set(verdicts) - set(POINTS))}")
    for item in POINTS.keys() & verdicts.keys():
        problem = verdict_problem(item, verdicts[item])
        if problem:
            problems.append(f"{case}: {problem}")
    messages, mistakes = verdict.get("messages", {}), verdict.get("mistakes", {})
    problems += list_problems(case, "messages", messages, known=None)
    problems += list_problems(case, "mistakes", mistakes, known=KNOWN_MISTAKES)
    for item, expected in verdicts.items():
        said = item in messages or item in mistakes or isinstance(expected, dict)
        if item in POINTS and expected != RIGHT and not said:
            problems.append(f"{case}: {item} loses points but names no words of its message")
    unknown = set(verdict) - {"description", "base", "verdicts", "mistakes", "messages"}
    if unknown:
        problems.append(f"{case}: unknown keys {sorted(unknown)}")
    return problems


def corpus_problems(corpus: Path, release: Path) -> list[str]:
    """Everything that keeps a corpus folder from being well formed.

    Inputs:
    - corpus: Folder with one subfolder per case and cases.toml
    - release: Folder of the student release (holding the MODULES the cases start from)

    Returns:
    - One message per problem, empty if the corpus is well formed
    """
    problems, broken = [], set()
    folders = sorted(p.name for p in corpus.iterdir() if p.is_dir() and p.name != "__pycache__")
    for case in folders:
        for relative in MODULES:
            found = module_problems(corpus / case / relative, release / relative)
            problems += [f"{case}: {problem}" for problem in found]
            broken |= {case} if found else set()
    try:
        verdicts = tomllib.loads((corpus / "cases.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        return problems + [f"cases.toml cannot be read: {error}"]
    if set(folders) - set(verdicts):
        problems.append(f"cases.toml has no verdict for {sorted(set(folders) - set(verdicts))}")
    if set(verdicts) - set(folders):
        problems.append(f"cases.toml: no case folder for {sorted(set(verdicts) - set(folders))}")
    for case, verdict in verdicts.items():
        problems += verdict_problems(case, verdict)
        if not {case, verdict.get("base")} & broken:
            problems += base_problems(case, verdict, corpus)
    return problems


def test_the_corpus_is_well_formed():
    assert corpus_problems(CORPUS, REPO) == []


def test_the_corpus_holds_the_cases_the_policy_needs():
    verdicts = tomllib.loads((CORPUS / "cases.toml").read_text())
    full_marks = [c for c, v in verdicts.items() if all(s == RIGHT for s in v["verdicts"].values())]
    assert len(full_marks) >= 4, "at least four correct solutions in different styles"
    lost = {item for v in verdicts.values() for item, s in v["verdicts"].items() if s != RIGHT}
    assert lost == set(POINTS), f"no case loses points on {sorted(set(POINTS) - lost)}"
    deductions = [
        (case, item)
        for case, v in verdicts.items()
        for item, s in v["verdicts"].items()
        if isinstance(s, dict) and "in_place" in s
    ]
    assert ("inplace_dnext_c", "lstm_step_backward") in deductions


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A copy of three cases of the corpus and their verdicts, to break on purpose."""
    kept = ["correct_lists_stack", "correct_tuples_split", "inplace_dnext_c"]
    for case in kept:
        shutil.copytree(CORPUS / case, tmp_path / case)
    text = (CORPUS / "cases.toml").read_text()
    tables = text.split("\n[")
    chosen = [t for t in tables[1:] if t.split("]")[0].split(".")[0] in kept]
    (tmp_path / "cases.toml").write_text("\n[".join([tables[0], *chosen]))
    assert sorted(tomllib.loads((tmp_path / "cases.toml").read_text())) == kept
    assert corpus_problems(tmp_path, REPO) == []
    return tmp_path


def test_a_missing_module_an_unparsable_one_and_a_moved_marker_are_found(small_corpus: Path):
    (small_corpus / "correct_tuples_split" / MODULES[1]).unlink()
    layers = small_corpus / "inplace_dnext_c" / MODULES[0]
    text = layers.read_text()
    layers.write_text(text.replace("def rnn_forward(", "def rnn_forward(:", 1))
    broken_line = text[: text.index("def rnn_forward(")].count("\n") + 1
    assert corpus_problems(small_corpus, REPO) == [
        "correct_tuples_split: rnn.py is missing",
        f"inplace_dnext_c: rnn_layers.py does not compile (line {broken_line}: invalid syntax)",
    ]
    # A region whose END line was deleted, so the next function's code joins it.
    lines = text.splitlines(keepends=True)
    first_end = next(i for i, line in enumerate(lines) if line.strip() == END)
    layers.write_text("".join(lines[:first_end] + lines[first_end + 1 :]))
    assert corpus_problems(small_corpus, REPO)[1:] == [
        "inplace_dnext_c: rnn_layers.py: the START / END OF YOUR CODE lines differ from the release"
    ]


def test_a_verdict_that_misses_an_item_or_is_no_verdict_is_found(small_corpus: Path):
    path = small_corpus / "cases.toml"
    head, tail = path.read_text().split("[correct_lists_stack.verdicts]")
    head = head.replace('overfit_lstm = "right"\n', "", 1)  # in correct_tuples_split
    tail = tail.replace('rnn_forward = "right"\n', 'rnn_forward = "wrong"\n', 1)
    tail = tail.replace('rnn_backward = "right"\n', "rnn_backward = 4\n", 1)
    tail = tail.replace('{ in_place = ["dnext_c"] }', '{ in_place = "dnext_c" }', 1)
    tail += '\n[inplace_dnext_c.mistakes]\nrnn_forward = ["forgot everything"]\n'
    tail += '\n[a_case_without_folder]\ndescription = "x"\n'
    path.write_text(head + "[correct_lists_stack.verdicts]" + tail)
    shutil.copytree(small_corpus / "inplace_dnext_c", small_corpus / "a_folder_without_case")
    assert corpus_problems(small_corpus, REPO) == [
        "cases.toml has no verdict for ['a_folder_without_case']",
        "cases.toml: no case folder for ['a_case_without_folder']",
        "correct_tuples_split: no verdict for ['overfit_lstm']",
        "correct_lists_stack: rnn_backward: 4 is no verdict (" + VERDICTS + ")",
        "correct_lists_stack: rnn_forward loses points but names no words of its message",
        "correct_lists_stack: rnn_backward loses points but names no words of its message",
        "inplace_dnext_c: lstm_step_backward: in_place is a list of the inputs changed in place",
        "inplace_dnext_c: rnn_forward: no classic mistake 'forgot everything'",
        f"a_case_without_folder: no verdict for {sorted(POINTS)}",
    ]


def test_score_ranges_are_fractions_of_a_sampling_items_points():
    assert verdict_problem("sample_rnn", {"min": 0.0, "below": 1.0}) is None
    assert verdict_problem("sample_rnn", {"min": 0.0, "below": 3.0}) == (
        "sample_rnn: the range {'min': 0.0, 'below': 3.0} is not of fractions of its points"
    )
    assert verdict_problem("loss_rnn", {"min": 0.0, "below": 1.0}) == (
        "loss_rnn: a range of scores is only for sampling items"
    )
    assert verdict_problem("loss_rnn", "4") == f"loss_rnn: '4' is no verdict ({VERDICTS})"
    assert verdict_problem("loss_rnn", True) == f"loss_rnn: True is no verdict ({VERDICTS})"


def test_a_case_that_differs_from_its_base_where_its_verdict_is_silent_is_found(
    small_corpus: Path,
):
    layers = small_corpus / "inplace_dnext_c" / MODULES[0]
    text = layers.read_text()
    layers.write_text(text.replace("prev_h.dot(Wh) + b)", "prev_h.dot(Wh) + b + 0)", 1))
    assert corpus_problems(small_corpus, REPO) == [
        "inplace_dnext_c: rnn_step_forward differs from correct_lists_stack, but its verdict "
        "names none of ['rnn_step_forward']"
    ]
    path = small_corpus / "cases.toml"
    path.write_text(path.read_text().replace('base = "correct_lists_stack"', 'base = "gone"'))
    assert corpus_problems(small_corpus, REPO) == [
        "inplace_dnext_c: its base 'gone' is not another case of the corpus"
    ]
