"""Building blocks of the classic mistakes: the reference, with one thing done wrong.

A Mistake's variant takes the reference modules and a case's inputs and returns the
outputs the mistake produces. Most are the item's own probe run on the reference with
the inputs, the outputs or one reference function changed, so a mistake is written in
a line or two and is measured exactly like the student's code.
"""

from collections.abc import Callable
from contextlib import contextmanager

from autograder.checks import probes

# A classic mistake made on the reference: (reference modules, case inputs) -> outputs.
MistakenOutputs = Callable[[object, dict], dict]


def run_probe(m, probe: str, options: dict, inputs: dict) -> dict:
    """The named probe on the modules m, with copies of the inputs."""
    return getattr(probes, probe)(m, {k: v.copy() for k, v in inputs.items()}, options, {})


@contextmanager
def replaced(module, functions: dict[str, Callable]):
    """Swap functions into a module for the duration of a block."""
    originals = {name: getattr(module, name) for name in functions}
    for name, function in functions.items():
        setattr(module, name, function)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(module, name, function)


def on_inputs(probe: str, options: dict, change: Callable[[object, dict], dict]) -> MistakenOutputs:
    """The reference on changed inputs: change(m, inputs) returns the inputs to use."""
    return lambda m, a: run_probe(m, probe, options, change(m, dict(a)))


def on_outputs(probe: str, options: dict, change: Callable[[dict, dict], dict]) -> MistakenOutputs:
    """The reference's outputs, changed: change(outputs, inputs) returns the new outputs."""
    return lambda m, a: change(run_probe(m, probe, options, a), a)


def replacing(probe: str, options: dict, module: str, replace: Callable) -> MistakenOutputs:
    """The reference with functions of one of its modules replaced while the probe runs.

    Inputs:
    - probe, options: The item's probe
    - module: "layers" or "model"
    - replace: (m, inputs) -> {function name: the mistaken function}
    """

    def variant(m, a):
        with replaced(getattr(m, module), replace(m, a)):
            return run_probe(m, probe, options, a)

    return variant


def without_carry(step_backward: Callable, upstream: int, output: int) -> Callable:
    """A step backward for a sequence loop that forgets to carry one gradient.

    The loop adds what the previous call returned at position `output` to the upstream
    gradient at position `upstream`; this step takes it away again, as a loop that never
    adds it would have it.
    """
    last = None

    def step(*args):
        nonlocal last
        args = list(args)
        if last is not None:
            args[upstream] = args[upstream] - last
        outputs = step_backward(*args)
        last = outputs[output]
        return outputs

    return step


def walked_forwards(cell: str) -> MistakenOutputs:
    """A sequence backward whose loop runs from t = 0 up: the reference on reversed time."""

    def variant(m, a):
        forward, backward = (
            getattr(m.layers, f"{cell}_forward"),
            getattr(m.layers, f"{cell}_backward"),
        )
        _, cache = forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
        dx, *rest = backward(a["dh"][:, ::-1], cache[::-1])
        return dict(zip(["dx", "dh0", "dWx", "dWh", "db"], [dx[:, ::-1], *rest], strict=True))

    return variant
