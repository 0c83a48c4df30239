"""The student corpus is well formed: every case is a complete submission and cases.toml
gives it a verdict for every item, within the item's points.

The corpus itself (realistic student code and the scores the grading policy gives it) is
described in tests/student_corpus/cases.toml; the test that grades it lives with the grader.
"""

import ast
import functools
import shutil
import tomllib
from pathlib import Path

import pytest

from autograder.points import POINTS

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "student_corpus"
MODULES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"


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


def base_problems(case: str, verdict: dict, corpus: Path) -> list[str]:
    """Regions where a case differs from its base case without its verdict saying so."""
    base = verdict.get("base")
    if base is None:
        return []
    if not (corpus / base).is_dir() or base == case:
        return [f"{case}: its base {base!r} is not another case of the corpus"]
    named = set(verdict.get("messages", {}))
    named |= {item for item, score in verdict.get("scores", {}).items() if score != POINTS[item]}
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


def score_problem(item: str, score) -> str | None:
    """Why an expected score is not a valid verdict for item (None if it is)."""
    points = POINTS[item]
    if isinstance(score, bool) or not isinstance(score, int | float | dict):
        return f"{item}: the score {score!r} is not a number"
    if not isinstance(score, dict):
        return None if 0 <= score <= points else f"{item}: {score} is not within [0, {points}]"
    if not item.startswith("sample_"):
        return f"{item}: a score range is only for sampling items"
    if set(score) != {"min", "below"}:
        return f"{item}: a score range has exactly the keys min and below"
    if not 0 <= score["min"] < score["below"] <= points:
        return f"{item}: the range {score} is not within [0, {points}]"
    return None


def verdict_problems(case: str, verdict: dict) -> list[str]:
    """Why one case's table in cases.toml is not a complete verdict (empty if it is)."""
    problems = []
    description = verdict.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        problems.append(f"{case}: needs a one-line description")
    scores = verdict.get("scores", {})
    if set(POINTS) - set(scores):
        problems.append(f"{case}: no score for {sorted(set(POINTS) - set(scores))}")
    if set(scores) - set(POINTS):
        problems.append(f"{case}: scores of unknown items {sorted(set(scores) - set(POINTS))}")
    for item in POINTS.keys() & scores.keys():
        problem = score_problem(item, scores[item])
        if problem:
            problems.append(f"{case}: {problem}")
    messages = verdict.get("messages", {})
    for item, words in messages.items():
        if item not in POINTS:
            problems.append(f"{case}: messages name {item}, not an autograded item")
        elif (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            problems.append(f"{case}: messages of {item} must be a list of words")
    for item, score in scores.items():
        if item in POINTS and score != POINTS[item] and item not in messages:
            problems.append(f"{case}: {item} loses points but names no words of its message")
    unknown = set(verdict) - {"description", "base", "scores", "messages"}
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
    full_marks = [case for case, v in verdicts.items() if v["scores"] == POINTS]
    assert len(full_marks) >= 4, "at least four correct solutions in different styles"
    lost = {item for v in verdicts.values() for item, s in v["scores"].items() if s != POINTS[item]}
    assert lost == set(POINTS), f"no case loses points on {sorted(set(POINTS) - lost)}"
    deductions = [
        (case, item)
        for case, v in verdicts.items()
        for item, s in v["scores"].items()
        if s == pytest.approx(0.8 * POINTS[item])
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


def test_a_verdict_that_misses_an_item_or_exceeds_its_points_is_found(small_corpus: Path):
    path = small_corpus / "cases.toml"
    head, tail = path.read_text().split("[correct_lists_stack.scores]")
    head = head.replace("overfit_lstm = 2\n", "", 1)  # in correct_tuples_split
    tail = tail.replace("rnn_forward = 3\n", "rnn_forward = 1\n", 1)
    tail = tail.replace("lstm_step_backward = 4.0\n", "lstm_step_backward = 6\n", 1)
    tail = tail.replace('["in place", "dnext_c"]', '"in place"', 1)
    tail += '\n[a_case_without_folder]\ndescription = "x"\n'
    path.write_text(head + "[correct_lists_stack.scores]" + tail)
    shutil.copytree(small_corpus / "inplace_dnext_c", small_corpus / "a_folder_without_case")
    assert corpus_problems(small_corpus, REPO) == [
        "cases.toml has no verdict for ['a_folder_without_case']",
        "cases.toml: no case folder for ['a_case_without_folder']",
        "correct_tuples_split: no score for ['overfit_lstm']",
        "correct_lists_stack: rnn_forward loses points but names no words of its message",
        "inplace_dnext_c: lstm_step_backward: 6 is not within [0, 5]",
        "inplace_dnext_c: messages of lstm_step_backward must be a list of words",
        f"a_case_without_folder: no score for {sorted(POINTS)}",
    ]


def test_score_ranges_are_only_for_sampling_and_stay_below_the_points():
    assert score_problem("sample_rnn", {"min": 0.0, "below": 3.0}) is None
    assert score_problem("sample_rnn", {"min": 0.0, "below": 3.5}) == (
        "sample_rnn: the range {'min': 0.0, 'below': 3.5} is not within [0, 3]"
    )
    assert score_problem("loss_rnn", {"min": 0.0, "below": 4.0}) == (
        "loss_rnn: a score range is only for sampling items"
    )
    assert score_problem("loss_rnn", "4") == "loss_rnn: the score '4' is not a number"
    assert score_problem("loss_rnn", -1) == "loss_rnn: -1 is not within [0, 4]"


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
