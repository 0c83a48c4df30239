"""Run a student's code on hidden inputs, inside the sandbox process.

Usage: python -I runner.py JOB_DIR CHANNEL_FD

JOB_DIR holds this file, probes.py, channel.py and the student's package in package/.
Everything else comes over the channel (channel.py), from the grader, one message at a
time: an item (its probe and options, how many cases, the functions a retry swaps in),
then each case's inputs; the runner answers each case with what the student's code
returned (arrays), the error it raised and where, the types it returned and the
probe's report. A function a retry swaps in is a stub that asks the grader over the
same channel: no reference code, reference output or hidden expected value is ever
in this process.

This process runs untrusted code, so nothing it sends is believed: the grader checks
every message and judges the arrays against the reference itself.
"""

import importlib
import os
import socket
import sys
import traceback
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # channel.py and probes.py
from channel import NOT_IMPORTABLE, SEQUENCE_STEPS, STEP_INPUTS, Handle, pack, receive, send, unpack  # noqa: E402
from probes import REPAIRED, STEP_FORWARDS, STEP_STATES  # noqa: E402

MESSAGE_LIMIT = 300
TYPE_LIMIT = 60
RUNNER_PID = os.getpid()
STUDENT_FILES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
MODEL_LOSS = "CaptioningRNN.loss"
FROM_GRADER = 1 << 30  # bytes of one message from the grader (trusted)


def describe(error: BaseException) -> str:
    """`Type: message` of an exception, short and without a traceback."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text[:MESSAGE_LIMIT]


def student_frame(error: BaseException, package: Path) -> dict | None:
    """File, line and function of the innermost frame of an error in a student-edited file."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        try:
            relative = Path(frame.filename).resolve().relative_to(package).as_posix()
        except ValueError:
            continue
        if relative in STUDENT_FILES:
            return {"file": relative, "line": frame.lineno, "function": frame.name}
    return None


class StudentModules(types.SimpleNamespace):
    """The student's modules; one that failed to import raises its error when used."""

    def __init__(self, names: dict):
        super().__init__()
        for attribute, module_name in names.items():
            try:
                setattr(self, attribute, importlib.import_module(module_name))
            except BaseException as error:  # noqa: BLE001 - a broken import is a result
                setattr(self, attribute, ImportFailure(module_name, error))


class ImportFailure:
    """Stands in for a module that could not be imported."""

    def __init__(self, module_name: str, error: BaseException):
        path = module_name.replace(".", "/") + ".py"
        self.message = f"{path} {NOT_IMPORTABLE}: {describe(error)}"

    def __getattr__(self, name: str):
        raise ImportError(self.message)


class Grader:
    """The runner's end of the channel."""

    def __init__(self, connection: socket.socket):
        self.connection = connection

    def receive(self) -> tuple[dict, list[np.ndarray]]:
        return receive(self.connection, FROM_GRADER)

    def send(self, header: dict, arrays: list[np.ndarray] = ()) -> None:
        send(self.connection, header, arrays)

    def call(self, function: str, args: tuple, model: dict | None = None):
        """What the reference function returns on args, computed by the grader.

        Raises TypeError for arguments that are not plain values (arrays, numbers, tuples,
        lists and dicts of them, reference caches), and RuntimeError when the grader does
        not answer with values.
        """
        arrays: list[np.ndarray] = []
        spec = pack(args, arrays)
        header = {"kind": "call", "function": function, "args": spec}
        if model is not None:
            header["model"] = {**model, "params": pack(model["params"], arrays)}
        self.send(header, arrays)
        reply, values = self.receive()
        if reply.get("kind") != "reply" or "value" not in reply:
            raise RuntimeError(f"the grader could not run the reference {function}: "
                               f"{reply.get('error', 'no answer')}")  # fmt: skip
        return unpack(reply["value"], values)


def argument_value(value) -> np.ndarray:
    """An argument as it crosses to the grader: an array."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"a reference function was given a {type(value).__name__}")
    return array


class Caches:
    """The caches of one case that a reference backward may be handed: the reference's
    own (Handle), and the student's own step caches paired with the reference's."""

    def __init__(self):
        self.pairs: list[tuple[object, Handle]] = []

    def add(self, cache, handle: Handle) -> None:
        self.pairs.append((cache, handle))

    def clear(self) -> None:
        self.pairs.clear()

    def reference_for(self, cache):
        """The reference cache for cache: a Handle (with no contents: the grader kept them)
        found by identity or equal content, else cache itself (a step cache inside a
        sequence's reference cache is plain values)."""
        for own, handle in self.pairs:
            if own is cache:
                return Handle((), handle.number)
        for own, handle in self.pairs:
            if same_content(own, cache):
                return Handle((), handle.number)
        return cache


def same_content(a, b) -> bool:
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same_content(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_content(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    return a is b or a == b


def stub(grader: Grader, name: str, caches: Caches):
    """The function that stands in for the reference name: the grader computes it."""

    def reference(*args):
        if "backward" in name:
            *upstream, cache = args
            args = (*(argument_value(a) for a in upstream), caches.reference_for(cache))
        else:
            args = tuple(argument_value(a) for a in args)
        outputs = grader.call(name, args)
        if "forward" in name and isinstance(outputs[-1], Handle):
            caches.add(outputs[-1], outputs[-1])
        return outputs

    reference.__name__ = name
    return reference


def keepable(cache) -> bool:
    """Whether a student's own step cache can stand for the reference's: a container of
    its own (None, or nothing at all, could not be told from another step's)."""
    return isinstance(cache, tuple | list | dict) and len(cache) > 0


def step_forward_keeping_own_cache(reference, own, caches: Caches):
    """The reference step forward, handing back the cache the student's own step makes.

    The student's sequence functions may read their own cache format; the reference
    step backward finds its own cache again through caches.
    """

    def step(*args):
        *outputs, reference_cache = reference(*args)
        try:
            *_, own_cache = own(*args)
        except Exception:  # noqa: BLE001 - a broken own step: hand back the reference cache
            return (*outputs, reference_cache)
        if keepable(own_cache):
            caches.add(own_cache, reference_cache)
            return (*outputs, own_cache)
        return (*outputs, reference_cache)

    return step


def forward_keeping_own_step_caches(reference, step_inputs, own_step, caches: Caches):
    """The reference sequence forward, handing back a list of the student's own step
    caches: each made by the student's own step function on what the reference's step was
    handed at that timestep, and paired with the reference step's cache.

    The student's sequence backward may read its own step caches; the reference step
    backward finds its own cache again through caches. A broken own step, or one whose
    caches are not keepable: the reference's cache is handed back.
    """

    def forward(*args):
        *outputs, reference_cache = reference(*args)
        try:
            own_caches = []
            for inputs, handle in step_inputs(*args):
                *_, own_cache = own_step(*inputs)
                own_caches.append((own_cache, handle))
        except Exception:  # noqa: BLE001 - a broken own step: hand back the reference cache
            return (*outputs, reference_cache)
        if not all(keepable(own) for own, _ in own_caches):
            return (*outputs, reference_cache)
        for own, handle in own_caches:
            caches.add(own, handle)
        return (*outputs, [own for own, _ in own_caches])

    return forward


def with_batch_axis(step, states: int):
    """The student's own step function, handed each 1-D state among its first `states`
    arguments with its batch axis put back (what `x[:, t, :].squeeze()` drops at N = 1),
    so that a sequence forward that breaks only that handoff makes the cache it means to."""

    def repaired(*args, **kwargs):
        args = [
            value.reshape(1, -1)
            if position < states and isinstance(value, np.ndarray) and value.ndim == 1
            else value
            for position, value in enumerate(args)
        ]
        return step(*args, **kwargs)

    return repaired


def model_loss(grader: Grader):
    """CaptioningRNN.loss computed by the grader on the student model's parameters."""

    def loss(self, features, captions):
        model = {"cell_type": str(self.cell_type), "null": int(self._null), "params": {
            name: argument_value(value) for name, value in dict(self.params).items()
        }}  # fmt: skip
        args = (argument_value(features), argument_value(captions))
        value, grads = grader.call(MODEL_LOSS, args, model)
        return float(value), dict(grads)

    return loss


def install_prerequisites(
    modules: StudentModules, grader: Grader, item: dict, caches: Caches
) -> list[tuple[object, str, object]]:
    """Swap a stub of each reference function the item names into the student's modules.

    "REPAIRED <cell>_forward" swaps no reference in: the student's own step function, with
    its handoff repaired (with_batch_axis), stands in for itself. When both step
    functions of a cell are swapped but its sequence backward is the student's (which may
    read the step caches) and the item says own_caches, the step forward hands back the
    student's own cache format, which the reference step backward finds its own cache by;
    likewise a swapped sequence forward hands back the student's own step caches
    (forward_keeping_own_step_caches).
    "CaptioningRNN.loss" swaps a stub of the reference loss method into the student's
    model.

    Returns:
    - What was replaced, as (owner, attribute, original) for restore
    """
    names = item["prerequisites"]
    layers = modules.layers if isinstance(modules.layers, types.ModuleType) else None
    chosen = {}
    for name in names:
        if name.startswith(REPAIRED):
            step = name.removeprefix(REPAIRED).replace("_forward", "_step_forward")
            own = getattr(layers, step, None)
            if own is not None:
                chosen[step] = with_batch_axis(own, STEP_STATES[step])
            continue
        if name == MODEL_LOSS:
            continue
        function = stub(grader, name, caches)
        own = getattr(layers, name, None)
        cell = name.split("_")[0]
        if (
            item["own_caches"]
            and name in STEP_FORWARDS
            and own is not None
            and f"{cell}_step_backward" in names
            and f"{cell}_backward" not in names
        ):
            function = step_forward_keeping_own_cache(function, own, caches)
        own_step = getattr(layers, f"{cell}_step_forward", None)
        if (
            item["own_caches"]
            and name in SEQUENCE_STEPS
            and own_step is not None
            and f"{cell}_backward" not in names
        ):
            step_inputs = stub(grader, STEP_INPUTS + name, caches)
            function = forward_keeping_own_step_caches(function, step_inputs, own_step, caches)
        chosen[name] = function
    replaced = []
    for module in (modules.layers, modules.model):
        if isinstance(module, types.ModuleType):
            for name, function in chosen.items():
                replaced.append((module, name, module.__dict__.get(name)))
                setattr(module, name, function)
    if MODEL_LOSS in names and isinstance(modules.model, types.ModuleType):
        model = modules.model.CaptioningRNN
        replaced.append((model, "loss", model.__dict__.get("loss")))
        model.loss = model_loss(grader)
    return replaced


def restore(replaced: list[tuple[object, str, object]]) -> None:
    """Put back what install_prerequisites replaced."""
    for owner, name, original in reversed(replaced):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


def outputs_of(outputs, arrays: list[np.ndarray]) -> tuple[dict, dict]:
    """The type of every returned value, and which of arrays holds each numeric one."""
    if not isinstance(outputs, dict):
        return {}, {}
    types_seen, positions = {}, {}
    for name, value in outputs.items():
        types_seen[name] = type(value).__name__[:TYPE_LIMIT]
        if isinstance(value, np.ndarray | np.generic | float | int) and not isinstance(value, bool):
            array = np.array(value)  # a plain copy: the student's object may be a subclass
            if array.dtype.kind in "biuf":
                arrays.append(array)
                positions[name] = len(arrays) - 1
            else:
                types_seen[name] = "array of Python objects"
    return types_seen, positions


def run_case(probe, options: dict, modules: StudentModules, inputs: dict, package: Path):
    """Run one case; the result message (header and arrays)."""
    result = {"kind": "result", "error": None, "where": None, "report": {}}
    try:
        outputs = probe(modules, inputs, options, result["report"])
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        outputs, result["error"] = None, describe(error)
        result["where"] = student_frame(error, package)
    if os.getpid() != RUNNER_PID:  # a process the student's code forked: it goes no further
        os._exit(0)
    arrays: list[np.ndarray] = []
    try:  # the outputs are the student's objects: reading them runs their code too
        result["types"], result["outputs"] = outputs_of(outputs, arrays)
    except BaseException as error:  # noqa: BLE001
        result["types"], result["outputs"], arrays = {}, {}, []
        result["error"] = result["error"] or describe(error)
    return result, arrays


def as_in_a_notebook(value):
    """Options as a notebook's literals would be: every string interned.

    Strings read from JSON are new objects, while a notebook's `cell_type="rnn"` and the
    `'rnn'` a student's code compares it with are one interned object; `is` between them
    must hold here as it does there.
    """
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, list):
        return [as_in_a_notebook(item) for item in value]
    if isinstance(value, dict):
        return {as_in_a_notebook(key): as_in_a_notebook(item) for key, item in value.items()}
    return value


def own_arrays(header: dict, arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    """A case's inputs as a notebook has them: each array owns its memory (the channel's
    are views into one message)."""
    return {name: np.array(array) for name, array in zip(header["names"], arrays, strict=True)}


def run_item(grader: Grader, item: dict, probes, modules: StudentModules, package: Path):
    """Run every case of one item, its reference stubs swapped in first, then removed."""
    caches = Caches()
    replaced = install_prerequisites(modules, grader, item, caches)
    options = as_in_a_notebook(item["options"])
    try:
        for _ in range(item["cases"]):
            caches.clear()
            header, arrays = grader.receive()
            result, outputs = run_case(
                getattr(probes, item["probe"]),
                options,
                modules,
                own_arrays(header, arrays),
                package,
            )
            result["number"] = header["number"]
            try:
                grader.send(result, outputs)
            except (TypeError, ValueError):  # a report the student's objects made unsendable
                grader.send({**result, "report": {}}, outputs)
    finally:
        restore(replaced)


def main(job_dir: Path, channel: int) -> None:
    grader = Grader(socket.socket(fileno=channel))
    package = (job_dir / "package").resolve()
    sys.path.insert(0, str(package))
    probes = importlib.import_module("probes")
    modules = StudentModules(
        {
            "layers": "cs231n.rnn_layers",
            "model": "cs231n.classifiers.rnn",
            "solver": "cs231n.captioning_solver",
        }
    )
    grader.send({"kind": "ready"})
    while True:
        header, _ = grader.receive()
        if header.get("kind") != "item":
            return
        run_item(grader, header, probes, modules, package)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
