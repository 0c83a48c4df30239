"""The reference functions of a retry, run in the grader for the sandbox that asks for them.

A retry swaps reference versions of some functions into the student's modules (see
checks/hidden.py). They are never put into the sandbox: what the runner swaps in is a
stub that sends its arguments over the job's channel, and the Oracle answers in the
grader's own process, with the reference, for the functions of the item on hand only.
Arguments and answers are plain values (arrays, numbers, tuples and lists of them); a
cache that a reference forward makes goes out as its contents with a number
(channel.Handle), and the reference backward is given the cache kept here under that
number, whatever became of the copy in the sandbox. Everything that arrives is checked:
its form, its size, the number of calls and of caches kept.
"""

import numpy as np

from autograder.sandbox.channel import STEP_INPUTS, ChannelError, Handle, pack, unpack

MAX_CALLS = 20_000  # per item
MAX_CACHES = 20_000  # kept per case
MAX_KEPT_BYTES = 256 << 20  # kept per case (the LSTM overfit retry keeps 94 MB)
MAX_ELEMENTS = 1 << 22  # of all the arrays of one call
MODEL_PARAMETERS = ("W_embed", "W_proj", "b_proj", "Wx", "Wh", "b", "W_vocab", "b_vocab")
MODEL_LOSS = "CaptioningRNN.loss"
SEQUENCES = {"rnn_forward": "rnn_step_forward", "lstm_forward": "lstm_step_forward"}


class Refused(Exception):
    """A call the oracle does not answer (the message goes back to the student's code)."""


class Oracle:
    """Answers the calls of one item's stubs with the reference functions.

    Inputs:
    - reference: Namespace with the reference modules (layers, model), or None
    - functions: What this item's retry swaps in: names of rnn_layers' functions and
      "CaptioningRNN.loss" are served; anything else (the student's own code, repaired,
      which the runner swaps in itself) is not
    """

    def __init__(self, reference, functions: list[str]):
        self.reference = reference
        layers = getattr(reference, "layers", None)
        self.functions = {
            name
            for name in functions
            if name == MODEL_LOSS or callable(getattr(layers, name, None))
        }
        self.functions |= {STEP_INPUTS + name for name in self.functions if name in SEQUENCES}
        self.calls = 0
        self.made = 0  # caches made for this item, each number given once
        self.caches: dict[int, object] = {}
        self.buffers: set[int] = set()  # the memory the kept caches hold, counted once
        self.kept_bytes = 0

    def new_case(self) -> None:
        """Forget the caches of the case before (a case never reads another's)."""
        self.caches.clear()
        self.buffers.clear()
        self.kept_bytes = 0

    def answer(self, header: dict, arrays: list[np.ndarray]) -> tuple[dict, list[np.ndarray]]:
        """The reply to one "call" message: the reference's outputs, or why there are none."""
        self.calls += 1
        try:
            if self.calls > MAX_CALLS:
                raise Refused(f"more than {MAX_CALLS} calls of reference functions")
            value = self._call(header, arrays)
        except Refused as refusal:
            return {"kind": "reply", "error": str(refusal)}, []
        except ChannelError:
            return {"kind": "reply", "error": "arguments the grader cannot read"}, []
        except Exception as error:  # noqa: BLE001 - the reference could not take these arguments
            raised = f"the reference {header.get('function')} raised {type(error).__name__}"
            return {"kind": "reply", "error": raised}, []
        replies: list[np.ndarray] = []
        return {"kind": "reply", "value": pack(value, replies)}, replies

    def _call(self, header: dict, arrays: list[np.ndarray]):
        function = header.get("function")
        if function not in self.functions:
            raise Refused(f"no reference {str(function)[:60]} is served for this check")
        if sum(array.size for array in arrays) > MAX_ELEMENTS:
            raise Refused("arguments larger than any hidden case")
        args = unpack(header.get("args"), arrays, handle=self._cache)
        if not isinstance(args, tuple):
            raise Refused("arguments that are not a tuple")
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
        if len(args) != 5 or not all(isinstance(a, np.ndarray) for a in args) or args[0].ndim != 3:
            raise Refused(f"arguments that {forward} does not take")
        x, h0, Wx, Wh, b = args
        step = getattr(self.reference.layers, SEQUENCES[forward])
        states = (h0,) if forward == "rnn_forward" else (h0, np.zeros_like(h0))
        steps = []
        for t in range(x.shape[1]):
            inputs = (x[:, t], *states, Wx, Wh, b)
            *states, cache = step(*inputs)
            steps.append((inputs, self._keep(cache)))
        return steps

    def _cache(self, number: int):
        if number not in self.caches:
            raise Refused("a cache that no reference forward made in this case")
        return self.caches[number]

    def _keep(self, cache: tuple | list) -> Handle:
        if len(self.caches) >= MAX_CACHES:
            raise Refused(f"more than {MAX_CACHES} caches in one case")
        for owner in owners(cache):
            if id(owner) not in self.buffers:  # the caches keep each owner alive
                self.buffers.add(id(owner))
                self.kept_bytes += memoryview(owner).nbytes
        if self.kept_bytes > MAX_KEPT_BYTES:
            raise Refused(f"more than {MAX_KEPT_BYTES >> 20} MB of caches in one case")
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
            or not all(isinstance(v, np.ndarray) for v in params.values())
        ):
            raise Refused("a model the grader cannot read")
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
