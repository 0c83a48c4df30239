"""The adversarial corpus, in the one adversarial batch (adversarial_batch.py): every cheat
scores 0 on what it cheats, every fault costs only its own items, the batch completes, the
good submissions score as they do alone, and nothing is left outside OUT."""

import csv
import os
import shutil
from pathlib import Path

import pytest
from adversarial_batch import GOOD
from adversarial_corpus import MARKER, MARKS, SHM_KEY

from autograder.grade import grade_all
from autograder.paths import REPO
from autograder.points import ITEMS, POINTS
from autograder.reports.integrity import verify
from autograder.reports.report import rich_text
from autograder.sandbox.isolation import UID_BASE, level


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def markers(folders: list[Path]) -> list[Path]:
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.rglob(f"{MARKER}*") if "out" not in p.parts]
    return found


@pytest.fixture(scope="module")
def batch(adversarial_batch, tmp_path_factory):
    """The adversarial batch, and its good examples graded again on their own."""
    root = adversarial_batch.root
    good = tmp_path_factory.mktemp("good")
    for student in GOOD:
        shutil.copy(root / "examples" / f"{student}.zip", good)
    grade_all(good, root / "good_alone", jobs=1)
    return adversarial_batch.cases, root, adversarial_batch.out


def test_every_case_gets_exactly_its_score(batch):
    cases, _, out = batch
    graded = rows(out)
    wrong = []
    for case in cases:
        row = graded[case.name]
        expected = {item: 0.0 if item in case.lost else POINTS[item] for item in ITEMS}
        got = {item: float(row[item]) for item in ITEMS}
        if got != expected:
            lost = sorted(item for item in ITEMS if got[item] < POINTS[item])
            wrong.append(f"{case.name}: lost {lost}, expected to lose {sorted(case.lost)}")
        if case.status not in row["status"]:
            wrong.append(f"{case.name}: status {row['status']!r} lacks {case.status!r}")
    assert not wrong, "\n".join(wrong)


def test_feedback_names_the_fault(batch):
    cases, _, out = batch
    for case in cases:
        if case.message:
            item, text = case.message
            page = (out / "feedback" / f"{case.name}.html").read_text()
            assert rich_text(text) in page, (case.name, item, text)  # `code` shown as code


def test_an_import_that_hung_in_the_hidden_checks_is_not_waited_for_again(batch):
    """The leaderboard would only hang on it for another IMPORT_SECONDS."""
    _, _, out = batch
    page = (out / "feedback" / "sigint_loop_at_import.html").read_text()
    stopped = "timed out after 10 s while its modules were being imported in the hidden checks"
    assert page.count(f"no score: your code {stopped}") == 2  # both trained captioners


def test_good_submissions_score_as_they_do_alone(batch):
    _, root, out = batch
    together, alone = rows(out), rows(root / "good_alone")
    for student, lost in GOOD.items():
        assert together[student] == alone[student]
        assert [i for i in ITEMS if float(alone[student][i]) == 0] == lost


def test_nothing_is_written_outside_out(batch):
    _, root, _ = batch
    if level() != "jail":
        pytest.skip("no file-system jail on this machine (needs root and unshare)")
    places = [*map(Path, MARKS), Path.home(), Path("/")]
    assert not [path for place in places for path in place.glob(f"{MARKER}*")]
    assert not markers([root, REPO])


def test_no_job_leaves_a_process_or_an_ipc_object(batch):
    _, root, _ = batch
    if level() != "jail":
        pytest.skip("no PID and IPC namespaces on this machine (needs root and unshare)")
    assert float(rows(root / "before_out")["outlives_its_job"]["total"]) > 0  # it ran
    segments = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    assert SHM_KEY not in {int(line.split()[0]) for line in segments}
    # A sandbox's user is UID_BASE + the pid of the grading process that ran it: the batch's
    # were this process (the batch before) and its pool's workers, which have ended; jobs
    # of tests running beside this one belong to grading processes that are alive.
    assert not [
        pid
        for pid, uid in process_owners()
        if uid >= UID_BASE and (uid - UID_BASE == os.getpid() or not alive(uid - UID_BASE))
    ]


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def process_owners() -> list[tuple[int, int]]:
    """(pid, real uid) of every process of the machine."""
    owners = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = next(line for line in status.splitlines() if line.startswith("Uid:"))
        owners.append((int(entry.name), int(uid.split()[1])))
    return owners


def test_feedback_holds_no_live_markup_from_a_type_name(batch):
    _, _, out = batch
    page = (out / "feedback" / "markup_type_name.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert" in page
    assert "A" * 100 not in page  # the 5,000-character type name was capped


def test_the_gradebook_agrees_with_every_output(batch):
    _, _, out = batch
    assert verify(out) == []


def test_the_file_system_jail_is_in_use_where_the_machine_allows_it():
    """As root with unshare (CI, a course server) the jail cases must never be left out."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("no root or no unshare: the jail cases were left out")
    assert level() == "jail"


def test_an_exception_that_spells_the_inputs_is_quoted_once(batch):
    """Each hidden case's inputs, spelt in letters, would leave through feedback: an
    exception raised at one line is quoted for its first failing case only."""
    _, _, out = batch
    page = (out / "feedback" / "spells_its_inputs.html").read_text()
    items = page.split("Autograded items")[1].split("Inline questions")[0]
    assert items.count("raised ValueError") == 1
