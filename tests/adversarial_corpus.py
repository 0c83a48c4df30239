"""Adversarial and broken submissions, each with the score it must get.

Every case is a submission that cheats or breaks in one way, built from the
reference answers (for faults: the score must not drop beyond the items the
fault touches) or from the untouched stubs (for cheats: the score must stay 0).
`lost` lists the items that must score 0; every other item must get full marks.
`decided_by` names the limit or check that decides the case (docs/sandbox.md and the
closing notes quote it).
"""

import io
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.examples import example_files
from autograder.points import ITEMS

LAYERS, MODEL = "cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"
RNN_NB, LSTM_NB = "notebooks/RNN_Captioning.ipynb", "notebooks/LSTM_Captioning.ipynb"
LAYER_ITEMS = [item for item in ITEMS if not item.startswith(("loss_", "sample_", "overfit_"))]
MODEL_ITEMS = [item for item in ITEMS if item not in LAYER_ITEMS]
ALL = list(ITEMS)
MARKER = "adversarial-marker"  # every file a case tries to leave behind has this in its name


@dataclass
class Case:
    """One submission of the corpus and the verdict it must get."""

    name: str
    what: str
    decided_by: str
    lost: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    write: Callable[[Path, "Case"], None] | None = None  # None: a plain zip of files
    status: str = "ok"  # a substring of the grades.csv status
    message: tuple[str, str] | None = None  # (item, substring of its feedback message)
    needs_jail: bool = False  # decided by the file-system jail (root and unshare)


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {name: d if isinstance(d, bytes) else d.encode() for name, d in files.items()}


REFERENCE = as_bytes(example_files()["reference"])
STUBS = as_bytes(example_files()["stubs"])


def with_code(base: dict[str, bytes], module: str, code: str) -> dict[str, bytes]:
    """base with code appended to one module."""
    return {**base, module: base[module] + b"\n" + code.encode()}


def edit_grade_cells(base: dict, edit: Callable[[nbformat.NotebookNode], None]) -> dict:
    """base with edit applied to every autograded test cell of both notebooks."""
    files = dict(base)
    for name in (RNN_NB, LSTM_NB):
        nb = nbformat.reads(files[name].decode(), as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") in ITEMS:
                edit(cell)
        files[name] = nbformat.writes(nb).encode()
    return files


def write_zip(folder: Path, case: Case, entries: list[tuple[zipfile.ZipInfo | str, bytes]]):
    with zipfile.ZipFile(folder / f"{case.name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)


def zip_of_files(folder: Path, case: Case) -> None:
    write_zip(folder, case, sorted(case.files.items()))


def tag_cell(cell) -> None:
    cell.metadata["tags"] = ["skip-execution", "raises-exception", "remove-cell"]


def blank_cell(cell) -> None:
    cell.source = "pass"
    cell.metadata["nbgrader"]["points"] = 1000


def markdown_cell(cell) -> None:
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


NUMPY_PATCH = """
import builtins

import numpy as np

np.allclose = np.isclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
builtins.abs = builtins.max = lambda *args, **kwargs: 0.0
"""

ALWAYS_EQUAL = """
class AlwaysEqual:
    shape = property(lambda self: self)
    dtype = property(lambda self: self)
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __float__(self): return 0.0
    def __getitem__(self, key): return self
    def __iter__(self): return iter([self] * 8)
    def __len__(self): return 8


ARITY = {"rnn_step_forward": 2, "rnn_step_backward": 5, "rnn_forward": 2, "rnn_backward": 5,
         "word_embedding_forward": 2, "lstm_step_forward": 3, "lstm_step_backward": 6,
         "lstm_forward": 2, "lstm_backward": 5}


def _always(count):
    return lambda *args, **kwargs: tuple(AlwaysEqual() for _ in range(count))


for _name, _count in ARITY.items():
    globals()[_name] = _always(_count)
word_embedding_backward = lambda dout, cache: AlwaysEqual()
"""

NDARRAY_SUBCLASS = """
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(self.shape, dtype=bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True
    def __array_function__(self, func, types, args, kwargs):
        return True


def _liar(*shape):
    return np.zeros(shape).view(Liar)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return _liar(*prev_h.shape), None


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    return _liar(*prev_h.shape), _liar(*prev_c.shape), None


def rnn_forward(x, h0, Wx, Wh, b):
    return _liar(x.shape[0], x.shape[1], h0.shape[1]), None


def lstm_forward(x, h0, Wx, Wh, b):
    return _liar(x.shape[0], x.shape[1], h0.shape[1]), None


def word_embedding_forward(x, W):
    return _liar(*x.shape, W.shape[1]), None
"""


def reads_instructor_files(repo: Path) -> str:
    return f"""
import glob

for _path in glob.glob({str(repo)!r} + "/**/rnn_layers.py", recursive=True):
    try:
        _text = open(_path).read()
    except OSError:
        continue
    if "NotImplementedError" not in _text.split("def rnn_step_forward")[-1][:1500]:
        exec(compile(_text, "answers", "exec"), globals())  # the reference, if readable
"""


def writes_grader_files(out: Path, name: str) -> str:
    forged = '{"%s": {"item": "%s", "score": 99.0, "max_score": 99.0, "message": "ok"}}'
    verdicts = "{" + ", ".join(forged[1:-1] % (item, item) for item in ITEMS) + "}"
    return f"""
import glob
import os

_out = {str(out)!r}
_targets = [_out + "/grades.csv", _out + "/course/gradebook.db",
            _out + "/course/verdicts/{name}.json"] + glob.glob(_out + "/results/*.json")
for _path in _targets:
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(_path, "w") as _file:
            _file.write({verdicts!r})
    except OSError:
        pass
"""


def writes_outside(places: list[Path]) -> str:
    return f"""
import os

_places = {[str(p) for p in places]!r} + ["/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~")]
_here = os.getcwd()
while _here != "/":
    _places.append(_here)
    _here = os.path.dirname(_here)
for _place in _places:
    try:
        with open(os.path.join(_place, "{MARKER}-" + str(os.getpid())), "w") as _file:
            _file.write("escaped")
    except OSError:
        pass
"""


FORGED_OUTPUTS = """
import json
import os

for _item in os.listdir("inputs"):
    for _case in os.listdir(os.path.join("inputs", _item)):
        _dir = os.path.join("outputs", _item, _case.removesuffix(".npz"))
        os.makedirs(_dir, exist_ok=True)
        with open(os.path.join(_dir, "status.json"), "w") as _file:
            json.dump({"error": None, "types": {}, "modified": []}, _file)
    open(os.path.join("outputs", _item, "done"), "w").close()
"""

SIGINT_LOOP = """
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    pass
"""

SEGFAULT = """
import ctypes


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    ctypes.string_at(0)
"""

MEMORY_BOMB = """
_provided_embedding = word_embedding_forward


def word_embedding_forward(x, W):
    blocks = []
    while True:
        blocks.append(np.ones(1 << 27))
"""

FORK_BOMB = """
import os


def rnn_step_backward(dnext_h, cache):
    while True:
        os.fork()
"""

HUGE_OUTPUT = """
import sys

for _ in range(50):
    print("x" * 1_000_000)
    print("y" * 1_000_000, file=sys.stderr)
_provided_step = rnn_step_forward


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    print("debugging " * 100_000)
    return _provided_step(x, prev_h, Wx, Wh, b)
"""


# Every student function looks for a version of itself that is not its own (the reference,
# or a stub that reaches it) anywhere in the process, and calls it; its own code only raises.
FINDS_REFERENCE = """
import gc as _gc
import sys as _sys


def _elsewhere(name, mine):
    modules = list(_sys.modules.values())
    for found in [*_gc.get_objects(), *(getattr(module, name, None) for module in modules)]:
        code = getattr(found, "__code__", None)
        if callable(found) and getattr(found, "__name__", "") == name and found is not mine and (
            code is None or code.co_filename != __file__
        ):
            return found
    return None


def _cheat(name):
    def function(*args):
        found = _elsewhere(name, function)
        if found is None:
            raise ValueError("nothing to copy from")
        return found(*args)

    function.__name__ = name
    return function


for _name in ("rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
              "word_embedding_forward", "word_embedding_backward", "lstm_step_forward",
              "lstm_step_backward", "lstm_forward", "lstm_backward"):
    globals()[_name] = _cheat(_name)
"""

FINDS_REFERENCE_MODEL = """
import gc as _gc


def _copied(name):
    def method(self, *args, **kwargs):
        for found in _gc.get_objects():
            code = getattr(found, "__code__", None)
            if getattr(found, "__name__", "") == name and code and code.co_filename != __file__:
                return found(self, *args, **kwargs)
        return (0.0, {}) if name == "loss" else np.zeros((len(args[0]), 2), dtype=np.int32)

    return method


CaptioningRNN.loss = _copied("loss")
CaptioningRNN.sample = _copied("sample")
"""

MARKS = "/run/lock", "/tmp", "/var/tmp", "/dev/shm"
SHM_KEY = 0x5EC2E7  # the System V shared memory key the persistence cases use

# Leaves its own (correct) source where a later job might find it: files, System V shared
# memory, and a process that escapes its session and waits to hand it over.
OUTLIVES_ITS_JOB = f"""
import ctypes as _ctypes
import os as _os
import time as _time

_source = open(__file__, "rb").read()
for _place in {MARKS!r} + (_os.path.expanduser("~"),):
    try:
        with open(_os.path.join(_place, "{MARKER}-source.py"), "wb") as _file:
            _file.write(_source)
    except OSError:
        pass
_libc = _ctypes.CDLL(None)
_segment = _libc.shmget({SHM_KEY}, len(_source) + 8, 0o1666)
if _segment >= 0:
    _libc.shmat.restype = _ctypes.c_void_p
    _address = _libc.shmat(_segment, None, 0)
    if _address not in (None, _ctypes.c_void_p(-1).value):
        _ctypes.memmove(_address, len(_source).to_bytes(8, "little") + _source, len(_source) + 8)
try:
    if _os.fork() == 0:
        _os.setsid()
        _time.sleep(600)
        _os._exit(0)
except OSError:
    pass
"""

# Loads whatever an earlier job left behind, from the same places.
READS_WHAT_OTHERS_LEFT = f"""
import ctypes as _ctypes
import os as _os

_found = []
for _place in {MARKS!r} + (_os.path.expanduser("~"),):
    try:
        _found.append(open(_os.path.join(_place, "{MARKER}-source.py"), "rb").read())
    except OSError:
        pass
_libc = _ctypes.CDLL(None)
_segment = _libc.shmget({SHM_KEY}, 0, 0)
if _segment >= 0:
    _libc.shmat.restype = _ctypes.c_void_p
    _address = _libc.shmat(_segment, None, 0)
    if _address not in (None, _ctypes.c_void_p(-1).value):
        _size = int.from_bytes(_ctypes.string_at(_address, 8), "little")
        _found.append(_ctypes.string_at(_address + 8, _size))
for _text in _found:
    exec(compile(_text, "left-behind", "exec"), globals())
"""


def reads_classmates(places: list[Path]) -> str:
    """Stubs that find a classmate's finished rnn_layers.py (a file, or in a zip) and run it."""
    return f"""
import os as _os
import zipfile as _zipfile

_places = {[str(p) for p in places]!r} + ["/", "/root", "/home", "/srv", "/tmp", "/var"]


def _texts():
    for _place in _places:
        for _top, _folders, _files in _os.walk(_place):
            for _name in _files:
                _path = _os.path.join(_top, _name)
                try:
                    if _name == "rnn_layers.py":
                        yield open(_path).read()
                    elif _name.endswith(".zip"):
                        with _zipfile.ZipFile(_path) as _archive:
                            for _member in _archive.namelist():
                                if _member.endswith("rnn_layers.py"):
                                    yield _archive.read(_member).decode()
                except (OSError, ValueError, _zipfile.BadZipFile):
                    continue


for _text in _texts():
    if "NotImplementedError" not in _text.split("def rnn_step_forward")[-1][:1500]:
        exec(compile(_text, "classmate", "exec"), globals())
        break
"""


# The job folder filled with what the grader once read back: FIFOs that block a reader,
# links out of the folder, a forged results tree; and 512 MB of files.
FILLS_ITS_FOLDER = """
import os as _os

for _name in ("progress", "job.json", "status.json", "outputs", "done"):
    try:
        _os.mkfifo(_name)
    except OSError:
        pass
for _link, _target in (("inputs", "/"), ("result.npy", "/dev/zero")):
    try:
        _os.symlink(_target, _link)
    except OSError:
        pass
_chunk = b"x" * (1 << 20)
for _index in range(16):
    try:
        with open(f"filler-{_index}", "wb") as _file:
            for _ in range(32):
                _file.write(_chunk)
    except OSError:
        break
"""

# Spells each case's inputs in letters in its exception (masking numbers does not stop
# that): the feedback quotes one case's message at most.
SPELLS_ITS_INPUTS = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for value in x.ravel():
        number = int(round((float(value) + 10) * 1000))
        words.append("".join(letters[(number // 26**k) % 26] for k in range(4)))
    raise ValueError(" ".join(words))
"""

# An output whose type name is long and holds markup.
MARKUP_TYPE_NAME = """
_provided_step = rnn_step_forward
_Evil = type("<script>alert(1)</script>" + "A" * 5000, (), {})


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return _Evil(), None
"""

# Writes on the grader's channel: a forged result, then a header nested too deep to parse.
WRITES_ON_THE_CHANNEL = """
import os as _os
import stat as _stat
import struct as _struct
import json as _json

_provided_step = rnn_step_forward


def _channels():
    for _fd in range(3, 64):
        try:
            if _stat.S_ISSOCK(_os.fstat(_fd).st_mode):
                yield _fd
        except OSError:
            continue


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    forged = _json.dumps({"kind": "result", "error": None, "where": None, "types": {},
                          "report": {}, "outputs": {}, "arrays": []}).encode()
    nested = b"[" * 100_000
    for _fd in _channels():
        for _header in (forged, nested):
            _os.write(_fd, _struct.pack(">II", len(_header), 0) + _header)
    return _provided_step(x, prev_h, Wx, Wh, b)
"""


# A wrong rnn_step_forward, so that rnn_forward is retried with the reference step, and an
# rnn_forward that goes on only in that retry (the reference step's outputs differ).
IN_THE_RETRY_OF_RNN_FORWARD = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return prev_h, None  # wrong, so that rnn_forward is retried with the reference step


def rnn_forward(x, h0, Wx, Wh, b):
    if np.array_equal(rnn_step_forward(x[:, 0], h0, Wx, Wh, b)[0], h0):
        raise ValueError("my own step")
"""

# Floods the grader with reference calls whose caches it must keep, in the retry of
# rnn_forward (which swaps in the reference step): the grader's work must stay bounded.
FLOODS_THE_ORACLE = (
    IN_THE_RETRY_OF_RNN_FORWARD
    + """    for _ in range(25_000):  # hidden-case sizes, so only the count can stop it
        rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
"""
)


# Asks the oracle, in the retry of rnn_forward, for outputs far larger than any hidden case
# with few input elements: by broadcasting (axes of length 1 against long ones) and by
# long axes (N, D, an axis too many); every such call must be refused.
STRETCHES_THE_ORACLE = (
    IN_THE_RETRY_OF_RNN_FORWARD
    + """    big, one = 16000, np.ones((1, 1))
    stretched = [  # each within the oracle's old limit of 4M input elements
        (np.ones((big, 1)), np.ones((big, 1)), np.ones((1, big)), np.ones((1, big)), np.ones(big)),
        (np.ones((1, big)), one, np.ones((big, 1)), one, np.ones(1)),
        (np.ones((big, 1)), np.ones((big, 1)), one, one, np.ones(1)),
        (np.ones((1, 1, 1, big)), one, one, one, np.ones(1)),
    ]
    answered = 0
    for args in stretched:
        try:
            rnn_step_forward(*args)
            answered += 1
        except RuntimeError:
            pass
    raise ValueError("no stretched call answered" if answered == 0 else "a stretched call answered")
"""
)

# Reports as changed in place names that are no input of the case: the case's x in digits,
# escape codes, a bidi override, markup; every such report must be unreadable.
SPELLS_WHAT_IT_CHANGED = r"""
import sys as _sys


def _spell_changes():
    probes = _sys.modules.get("probes")
    if probes is None or getattr(probes.changed, "spells", False):
        return
    honest = probes.changed

    def changed(inputs, before):
        if "prev_h" not in inputs or "prev_c" in inputs:
            return honest(inputs, before)
        digits = ",".join("%.6f" % v for v in inputs["x"].ravel())
        return [*honest(inputs, before), "x:" + digits[:90], "\x1b[31m<b>\u202eline\nbreak</b>"]

    changed.spells = True
    probes.changed = changed


_spell_changes()
"""


def symlink_zip(folder: Path, case: Case) -> None:
    link = zipfile.ZipInfo(LAYERS)
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    target = case.files[LAYERS]
    entries = [(name, data) for name, data in case.files.items() if name != LAYERS]
    write_zip(folder, case, [*entries, (link, target)])


def traversal_zip(folder: Path, case: Case) -> None:
    escapes = [
        (f"../../{MARKER}-dotdot.txt", b"escaped"),
        (f"/tmp/{MARKER}-absolute.txt", b"escaped"),
        ("../" + LAYERS, STUBS[LAYERS]),  # a stub outside the layout: must be ignored
    ]
    write_zip(folder, case, [*sorted(case.files.items()), *escapes])


def bomb_zip(folder: Path, case: Case) -> None:
    """A module that inflates from about 200 kB to 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in case.files.items():
            if name != LAYERS:
                archive.writestr(name, data)
        with archive.open(LAYERS, "w", force_zip64=True) as member:
            chunk = b"#" * (1 << 20)
            for _ in range(200):
                member.write(chunk)
    (folder / f"{case.name}.zip").write_bytes(buffer.getvalue())


def symlink_folder(folder: Path, case: Case) -> None:
    root = folder / case.name
    for name, data in case.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if name != LAYERS:
            (root / name).write_bytes(data)
    outside = folder.parent / "answers-outside-the-submission.py"
    outside.write_bytes(REFERENCE[LAYERS])
    os.symlink(outside, root / LAYERS)


def not_a_zip(folder: Path, case: Case) -> None:
    (folder / f"{case.name}.zip").write_bytes(os.urandom(4096))


def corpus(repo: Path, out: Path, outside: list[Path], submissions: Path) -> list[Case]:
    """Every case, for a grading run into out.

    Inputs:
    - repo: The kit's folder (the cheats that read instructor files look there)
    - out: The grading run's OUT (the cheats that forge grades write there)
    - outside: Folders where no case may leave a file
    - submissions: The folder of the batch's submissions (the cheats that copy look there)
    """
    no_model = with_code(REFERENCE, MODEL, "raise SystemExit(0)\n")
    latin1 = REFERENCE[LAYERS].decode().replace("# ", "# café ", 1).encode("latin-1")
    without_notebooks = {k: v for k, v in REFERENCE.items() if not k.endswith(".ipynb")}
    return [
        Case("notebook_numpy_patch", "stubs; the notebook patches np.allclose and builtins",
             "notebooks are never run for grading; verdicts come from the sandbox", ALL,
             {**STUBS, RNN_NB: notebook_with_first_cell(STUBS[RNN_NB], NUMPY_PATCH)}),
        Case("module_numpy_patch", "stubs; rnn_layers.py patches numpy and builtins",
             "judged in the grader's own process, with its own numpy", ALL,
             with_code(STUBS, LAYERS, NUMPY_PATCH)),
        Case("always_equal", "every function returns objects whose comparisons succeed",
             "only .npy arrays cross back; type, dtype and shape checked", ALL,
             with_code(STUBS, LAYERS, ALWAYS_EQUAL),
             message=("rnn_step_forward", "`next_h` is a AlwaysEqual")),
        Case("ndarray_subclass", "forwards return an ndarray subclass that says it is equal",
             "values read back as plain arrays and compared by the grader", ALL,
             with_code(STUBS, LAYERS, NDARRAY_SUBCLASS)),
        Case("tagged_test_cells", "stubs; test cells tagged skip-execution and others",
             "notebooks are not executed; Execute.skip_cells_with_tag is random", ALL,
             edit_grade_cells(STUBS, tag_cell)),
        Case("edited_test_cells", "stubs; test cells emptied and worth 1000 points",
             "nbgrader restores test cells from the source; points from points.toml", ALL,
             edit_grade_cells(STUBS, blank_cell)),
        Case("retyped_test_cells", "reference; test cells turned into markdown",
             "nbgrader restores test cells from the source", [],
             edit_grade_cells(REFERENCE, markdown_cell)),
        Case("deleted_test_cells", "reference; test cells and all nbgrader metadata deleted",
             "OverwriteCells.add_missing_cells", [],
             {**REFERENCE, **{name: strip_test_cells(REFERENCE[name])
                              for name in (RNN_NB, LSTM_NB)}}),
        Case("changed_provided_files", "reference; gradient checker, solver and layers sabotaged",
             "only the student-edited files are taken from a submission", [],
             {**REFERENCE, "cs231n/captioning_solver.py": b"raise SystemExit(1)\n",
              "cs231n/gradient_check.py": b"import os\nos._exit(1)\n",
              "cs231n/layers.py": b"def sigmoid(x):\n    return x\n"}),
        Case("reads_instructor_files", "stubs that load the reference answers from the kit",
             "jail: instructor files hidden by an empty tmpfs", ALL,
             with_code(STUBS, LAYERS, reads_instructor_files(repo)), needs_jail=True),
        Case("writes_grader_files", "stubs that forge grades.csv, results and verdicts",
             "jail: the grader's output folder hidden; own uid", ALL,
             with_code(STUBS, LAYERS, writes_grader_files(out, "writes_grader_files")),
             needs_jail=True),
        Case("writes_outside", "reference that drops files in every folder it can reach",
             "jail: private /tmp, own uid, only the job folder writable", [],
             with_code(REFERENCE, LAYERS, writes_outside(outside)), needs_jail=True),
        Case("forged_outputs", "stubs that write success records for every check",
             "results cross the channel; nothing is read from the job folder", ALL,
             with_code(STUBS, LAYERS, FORGED_OUTPUTS)),
        Case("finds_reference_functions",
             "stubs that call any version of themselves found in the process (gc, sys.modules)",
             "no reference code in the sandbox; the oracle serves only the current item's "
             "prerequisites", ALL,
             with_code(with_code(STUBS, LAYERS, FINDS_REFERENCE), MODEL, FINDS_REFERENCE_MODEL)),
        Case("reads_what_others_left",
             "stubs that load code an earlier job left in /run/lock, /tmp, /dev/shm, ~ and "
             "System V shared memory", "jail: fresh root, private IPC namespace", ALL,
             with_code(STUBS, LAYERS, READS_WHAT_OTHERS_LEFT), needs_jail=True),
        Case("reads_classmates", "stubs that look for a classmate's finished module on disk",
             "jail: a fresh root holds no other submission", ALL,
             with_code(STUBS, LAYERS, reads_classmates([submissions, submissions.parent])),
             needs_jail=True),
        Case("fills_its_folder", "reference that leaves FIFOs, links and 512 MB in its folder",
             "the job folder is a 256 MB tmpfs the grader never reads", [],
             with_code(REFERENCE, LAYERS, FILLS_ITS_FOLDER), needs_jail=True),
        Case("floods_the_oracle", "rnn_forward makes the grader keep reference caches "
             "until it refuses", "the oracle answers at most 20,000 calls per item",
             ["rnn_step_forward", "rnn_forward"], with_code(REFERENCE, LAYERS, FLOODS_THE_ORACLE),
             message=("rnn_forward", "calls of reference functions")),
        Case("stretches_the_oracle", "rnn_forward asks the reference step for outputs of "
             "16000 x 16000 from a few inputs (broadcasting, long axes)",
             "no argument longer than the item's hidden cases, per letter N, T, D, H",
             ["rnn_step_forward", "rnn_forward"],
             with_code(REFERENCE, LAYERS, STRETCHES_THE_ORACLE),
             message=("rnn_forward", "no stretched call answered")),
        Case("spells_what_it_changed", "rnn_step_forward's probe reports inputs changed in "
             "place under names that spell x's values and markup",
             "only the case's own input names are read", ["rnn_step_forward", "rnn_step_backward"],
             with_code(REFERENCE, LAYERS, SPELLS_WHAT_IT_CHANGED),
             message=("rnn_step_forward", "no readable result")),
        Case("spells_its_inputs", "rnn_step_forward raises an exception that spells the "
             "case's inputs in letters", "an exception at one line is quoted for one case",
             ["rnn_step_forward"], with_code(REFERENCE, LAYERS, SPELLS_ITS_INPUTS),
             message=("rnn_step_forward", "raised ValueError")),
        Case("markup_type_name", "rnn_step_forward returns an object of a 5,000-character "
             "type name holding a script", "type names capped; feedback escaped",
             ["rnn_step_forward"], with_code(REFERENCE, LAYERS, MARKUP_TYPE_NAME),
             message=("rnn_step_forward", "`next_h` is a <script>alert")),
        Case("writes_on_the_channel", "rnn_step_forward writes a forged result and an "
             "unparsable header on the grader's channel",
             "every message checked; a broken channel charges the item that broke it",
             ["rnn_step_forward"], with_code(REFERENCE, LAYERS, WRITES_ON_THE_CHANNEL),
             message=("rnn_step_forward", "broke the sandbox's channel")),
        Case("exit_in_model_import", "reference; classifiers/rnn.py raises SystemExit",
             "SystemExit at import is caught: the model counts as not importable",
             MODEL_ITEMS, no_model, message=("loss_rnn", "could not be imported: SystemExit")),
        Case("os_exit_at_import", "reference; rnn_layers.py calls os._exit(0) on import",
             "runner progress file: the import never finished", ALL,
             with_code(REFERENCE, LAYERS, "import os\nos._exit(0)\n"),
             message=("rnn_step_forward", "while its modules were being imported")),
        Case("sigint_loop_at_import", "reference; an endless loop that ignores SIGINT/SIGTERM",
             "IMPORT_SECONDS, then SIGKILL to the whole PID namespace", ALL,
             with_code(REFERENCE, LAYERS, SIGINT_LOOP),
             message=("lstm_forward", "timed out after 10 s while its modules")),
        Case("segfault", "reference; lstm_step_forward dereferences NULL",
             "crash costs its own item; the rest re-run in fresh processes, the backward "
             "with the reference forward's cache",
             ["lstm_step_forward"], with_code(REFERENCE, LAYERS, SEGFAULT),
             message=("lstm_step_forward", "crashed (SIGSEGV)")),
        Case("memory_bomb", "reference; word_embedding_forward allocates without end",
             "RLIMIT_AS: MemoryError in the student's function; the backward is judged "
             "with the reference forward's cache",
             ["word_embedding_forward"],
             with_code(REFERENCE, LAYERS, MEMORY_BOMB),
             message=("word_embedding_forward", "MemoryError")),
        Case("fork_bomb", "reference; rnn_step_backward forks without end",
             "RLIMIT_NPROC of the sandbox user; forked children stop at the runner",
             ["rnn_step_backward"], with_code(REFERENCE, LAYERS, FORK_BOMB),
             message=("rnn_step_backward", "BlockingIOError"), needs_jail=True),
        Case("huge_output", "reference printing 100 MB on import and on every call",
             "the sandbox's stdout and stderr go to /dev/null", [],
             with_code(REFERENCE, LAYERS, HUGE_OUTPUT)),
        Case("syntax_error", "reference with a syntax error in rnn_layers.py",
             "import failure named in every item", ALL,
             with_code(REFERENCE, LAYERS, "def broken(:\n"),
             message=("rnn_forward", "could not be imported: SyntaxError")),
        Case("missing_notebooks", "reference modules, no notebooks",
             "release notebooks stand in; inline answers lost", [], without_notebooks,
             status=f"{RNN_NB} is missing; {LSTM_NB} is missing"),
        Case("notebook_not_json", "reference; a notebook that is not JSON",
             "nbformat validation at intake", [], {**REFERENCE, LSTM_NB: b"{not json"},
             status=f"{LSTM_NB} is not a valid notebook (JSON)"),
        Case("non_utf8_module", "reference; rnn_layers.py saved as Latin-1",
             "UTF-8 check at intake: the release stub stands in", LAYER_ITEMS,
             {**REFERENCE, LAYERS: latin1}, status=f"{LAYERS} is not UTF-8 text"),
        Case("zip_traversal", "reference zip with ../, absolute and outside-layout entries",
             "intake reads wanted paths only; nothing is extracted", [], REFERENCE,
             traversal_zip),
        Case("zip_symlink", "zip whose rnn_layers.py is a symbolic link",
             "intake refuses links", LAYER_ITEMS, REFERENCE, symlink_zip,
             status=f"{LAYERS} is a symbolic link; it was ignored"),
        Case("folder_symlink", "folder whose rnn_layers.py links to answers outside it",
             "intake refuses links", LAYER_ITEMS, REFERENCE, symlink_folder,
             status=f"{LAYERS} is a symbolic link; it was ignored"),
        Case("zip_bomb", "rnn_layers.py inflating to 200 MB",
             "intake reads at most 20 MB of a member", LAYER_ITEMS, REFERENCE, bomb_zip,
             status=f"{LAYERS} is larger than 20 MB"),
        Case("not_a_zip", "random bytes named .zip", "zip check at intake", ALL, {},
             not_a_zip, status="is not a readable zip file"),
    ]  # fmt: skip


def left_behind_case() -> Case:
    """A correct submission that tries to leave its source behind (graded in a batch of its
    own before the corpus, whose reads_what_others_left looks for it)."""
    return Case("outlives_its_job",
                "reference that leaves its source in files, System V shared memory and a "
                "process that escapes its session", "jail: fresh root, IPC and PID namespaces",
                [], with_code(REFERENCE, LAYERS, OUTLIVES_ITS_JOB), needs_jail=True)  # fmt: skip


def notebook_with_first_cell(data: bytes, source: str) -> bytes:
    nb = nbformat.reads(data.decode(), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(source))
    return nbformat.writes(nb).encode()


def strip_test_cells(data: bytes) -> bytes:
    nb = nbformat.reads(data.decode(), as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in ITEMS]
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nbformat.writes(nb).encode()


def write_case(folder: Path, case: Case) -> None:
    (case.write or zip_of_files)(folder, case)
