"""The reference functions of a retry, run in the grader for the sandbox that asks for them.

A retry swaps reference versions of some functions into the student's modules (see
checks/hidden.py). They are never put into the sandbox: what the runner swaps in is a
stub that sends its arguments over the job's channel, and the Oracle answers in the
grader's own process, with the reference, for the functions of the item on hand only.
Arguments and answers are plain values (arrays, numbers, tuples and lists of them); a
cache that a reference forward makes goes out as its contents with a number
(channel.Handle), and the reference backward is given the cache kept here under that
number, whatever became of the copy in the sandbox. Everything that arrives is checked:
its form, the number of calls and of caches kept, and its size: each array argument has
the axes the function takes there (SIGNATURES; leading ones may be left out, as
`x[:, t].squeeze()` does at N = 1), none longer than that letter's size in the item's
hidden cases (checks/cases.py). Whatever the reference makes of such arguments, by
broadcasting or by loops, is then no larger than for the hidden cases.
"""

import numpy as np

from autograder.sandbox.channel import (
    SEQUENCE_STEPS,
    STEP_INPUTS,
    ChannelError,
    Handle,
    pack,
    unpack,
)

MAX_CALLS = 20_000  # per item
MAX_CACHES = 20_000  # kept per case
MAX_KEPT_BYTES = 256 << 20  # kept per case (the LSTM overfit retry keeps 94 MB)
MAX_ELEMENTS = 1 << 22  # of all the arrays of one call
MODEL_LOSS = "CaptioningRNN.loss"
# The axes of each argument of a served function, by letter (checks/cases.py); None for a
# cache, which is the oracle's own. "NT|N": either form.
STEP = ("ND", "NH", "DG", "HG", "G")
SIGNATURES: dict[str, tuple[str | None, ...]] = {
    "rnn_step_forward": STEP,
    "rnn_step_backward": ("NH", None),
    "rnn_forward": ("NTD", *STEP[1:]),
    "rnn_backward": ("NTH", None),
    "lstm_step_forward": ("ND", "NH", "NH", "DG", "HG", "G"),
    "lstm_step_backward": ("NH", "NH", None),
    "lstm_forward": ("NTD", *STEP[1:]),
    "lstm_backward": ("NTH", None),
    "word_embedding_forward": ("NT|N", "VD"),
    "word_embedding_backward": ("NTD", None),
    MODEL_LOSS: ("NF", "NT"),
}
MODEL_PARAMETERS = {
    "W_embed": "VD", "W_proj": "FH", "b_proj": "H", "Wx": "DG", "Wh": "HG", "b": "G",
    "W_vocab": "HV", "b_vocab": "V",
}  # fmt: skip


class Refused(Exception):
    """A call the oracle does not answer (the message goes back to the student's code)."""


class Oracle:
    """Answers the calls of one item's stubs with the reference functions.

    Inputs:
    - reference: Namespace with the reference modules (layers, model), or None
    - functions: What this item's retry swaps in: names of rnn_layers' functions in
      SIGNATURES and "CaptioningRNN.loss" are served, and with a sequence forward what
      each of its steps is handed (STEP_INPUTS); anything else (the student's own code,
      repaired, which the runner swaps in itself) is not
    - bounds: The largest size of each letter of SIGNATURES in the item's hidden cases
      (Cases.bounds); an axis of a letter not given may have no elements
    """

    def __init__(self, reference, functions: list[str], bounds: dict[str, int]):
        self.reference = reference
        self.bounds = bounds
        layers = getattr(reference, "layers", None)
        self.functions = {
            name
            for name in functions
            if name in SIGNATURES and (name == MODEL_LOSS or callable(getattr(layers, name, None)))
        }
        self.functions |= {STEP_INPUTS + name for name in self.functions if name in SEQUENCE_STEPS}
        self.calls = 0
        self.made = 0  # caches made for this item, each number given once
        self.caches: dict[int, object] = {}
        self.owners: dict[int, object] = {}  # what holds the kept caches' memory, by id
        self.kept_bytes = 0

    def new_case(self) -> None:
        """Forget the caches of the case before (a case never reads another's)."""
        self.caches.clear()
        self.owners.clear()
        self.kept_bytes = 0

    def answer(self, header: dict, arrays: list[np.ndarray]) -> tuple[dict, list[np.ndarray]]:
        """The reply to one "call" message: the reference's outputs, or why there are none."""
        self.calls += 1
        try:
            if self.calls > MAX_CALLS:
                raise Refused(f"more than {MAX_CALLS} calls of reference functions")
            replies: list[np.ndarray] = []
            value = pack(self._call(header, arrays), replies)
        except Refused as refusal:
            return {"kind": "reply", "error": str(refusal)}, []
        except ChannelError:
            return {"kind": "reply", "error": "arguments the grader cannot read"}, []
        except Exception as error:  # noqa: BLE001 - the reference could not take these arguments
            raised = f"the reference {header.get('function')} raised {type(error).__name__}"
            return {"kind": "reply", "error": raised}, []
        return {"kind": "reply", "value": value}, replies

    def _call(self, header: dict, arrays: list[np.ndarray]):
        function = header.get("function")
        if function not in self.functions:
            raise Refused(f"no reference {str(function)[:60]} is served for this check")
        if sum(array.size for array in arrays) > MAX_ELEMENTS:
            raise Refused("arguments larger than any hidden case")
        args = unpack(header.get("args"), arrays, handle=self._cache)
        signature = SIGNATURES[function.removeprefix(STEP_INPUTS)]
        if not isinstance(args, tuple) or len(args) != len(signature):
            raise Refused(f"arguments that are not those of {function}")
        for value, letters in zip(args, signature, strict=True):
            if letters is not None:
                self._check(value, letters)
        if function == MODEL_LOSS:
            return self._loss(args, header.get("model"), arrays)
        if function.startswith(STEP_INPUTS):
            return self._step_inputs(function.removeprefix(STEP_INPUTS), args)
        outputs = getattr(self.reference.layers, function)(*args)
        if "forward" in function:
            *values, cache = outputs
            return (*values, self._keep(cache))
        return outputs

    def _step_inputs(self, forward: str, args: tuple) -> list:
        """What each step of the reference sequence forward is handed, as (arguments of
        the step function, the reference step's cache) per timestep."""
        if args[0].ndim != 3:
            raise Refused(f"arguments that {forward} does not take")
        x, h0, Wx, Wh, b = args
        step = getattr(self.reference.layers, SEQUENCE_STEPS[forward])
        states = (h0,) if forward == "rnn_forward" else (h0, np.zeros_like(h0))
        steps = []
        for t in range(x.shape[1]):
            inputs = (x[:, t], *states, Wx, Wh, b)
            *states, cache = step(*inputs)
            steps.append((inputs, self._keep(cache)))
        return steps

    def _check(self, value, letters: str) -> None:
        """Refuse an argument that is not an array of numbers with the last axes of a form
        that letters names ("NT|N": either), or that is longer along one than the hidden
        cases are."""
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise Refused("an argument that is not an array of numbers")
        forms = [form for form in letters.split("|") if value.ndim <= len(form)]
        if not forms:
            raise Refused(f"an argument of {value.ndim} axes where the reference takes {letters}")
        form = min(forms, key=len)
        for letter, size in zip(form[len(form) - value.ndim :], value.shape, strict=True):
            if size > self.bounds.get(letter, 0):
                raise Refused(f"an argument larger than any hidden case ({letter} = {size})")

    def _cache(self, number: int):
        if number not in self.caches:
            raise Refused("a cache that no reference forward made in this case")
        return self.caches[number]

    def _keep(self, cache: tuple | list) -> Handle:
        if len(self.caches) >= MAX_CACHES:
            raise Refused(f"more than {MAX_CACHES} caches in one case")
        new = {id(owner): owner for owner in owners(cache) if id(owner) not in self.owners}
        kept = self.kept_bytes + sum(memoryview(owner).nbytes for owner in new.values())
        if kept > MAX_KEPT_BYTES:
            raise Refused(f"more than {MAX_KEPT_BYTES >> 20} MB of caches in one case")
        self.owners.update(new)  # kept alive with the caches, so no id is counted twice
        self.kept_bytes = kept
        self.made += 1
        self.caches[self.made] = cache
        return Handle(cache, self.made)

    def _loss(self, args: tuple, model, arrays: list[np.ndarray]):
        """The reference CaptioningRNN.loss on the student model's parameters."""
        if not isinstance(model, dict) or len(args) != 2:
            raise Refused("a model the grader cannot read")
        params = unpack(model.get("params"), arrays)
        cell_type, null = model.get("cell_type"), model.get("null")
        if (
            cell_type not in ("rnn", "lstm")
            or type(null) is not int
            or not isinstance(params, dict)
            or set(params) != set(MODEL_PARAMETERS)
        ):
            raise Refused("a model the grader cannot read")
        for name, letters in MODEL_PARAMETERS.items():
            self._check(params[name], letters)
        reference = self.reference.model.CaptioningRNN.__new__(self.reference.model.CaptioningRNN)
        reference.__dict__.update(cell_type=cell_type, params=params, _null=null)
        loss, grads = reference.loss(*args)
        return float(loss), grads


def owners(value):
    """The objects that own the memory of the arrays in value (nested in tuples, lists)."""
    if isinstance(value, tuple | list):
        for part in value:
            yield from owners(part)
    elif isinstance(value, np.ndarray):
        while isinstance(value.base, np.ndarray):
            value = value.base
        owner = value if value.base is None else value.base
        yield owner.obj if isinstance(owner, memoryview) else owner  # a received message
