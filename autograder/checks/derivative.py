"""Judge a backward pass against the derivative of the student's own, differing forward.

When a student's forward differs from the assignment's, its mistake is charged at the
forward item; the backward earns its points if it is the exact derivative of that
forward, but only where the forward is a recognised variant of the assignment's: on the
case, its outputs equal those of a classic mistake the grader names (checks/variants.py).
The derivative is then taken in the grader from that variant of the reference, by
central differences of L = sum(upstream * outputs) in float64 around the case's inputs
(probes.perturbed), never from the student's code.

Some classic mistakes make a forward that a trivial backward differentiates, so the
credit is guarded further: the variant must
- depend on every input element that the assignment's forward depends on (a forgotten
  bias or h0 would credit a backward that returns zeros for it), and
- be nonlinear in every input in which the assignment's forward is nonlinear (a
  forgotten tanh would credit a backward of matrix products alone).
"""

import numpy as np

from autograder.checks import probes
from autograder.checks.compare import close, tolerance_for
from autograder.checks.item import Case, Derivative
from autograder.sandbox.results import CaseResult

STEP = 1e-5  # central differences in float64
CURVE = 0.5  # size of the move along a random direction that shows curvature
TOLERANCE = 1e-6  # relative error of a backward against finite differences (float64)
SUPPORT = 1e-3  # elements whose reference gradient is above this share of the largest...
DEPENDS = 1e-7  # ...need a finite-difference gradient above this share
CURVATURE = 1e-6  # relative curvature below which a forward counts as linear in an input


def directions(case: Case, derivative: Derivative, seed: int) -> dict[str, np.ndarray]:
    """Random unit-scale directions, one per differentiated input ("direction.<name>")."""
    rng = np.random.default_rng(seed)
    return {
        f"direction.{name}": rng.standard_normal(case.inputs[name].shape)
        for name in derivative.gradients.values()
    }


def around(m, forward: dict, derivative: Derivative, inputs: dict, differences: bool) -> dict:
    """A forward's outputs at a case's inputs and around them (probes.perturbed), in float64.

    Inputs:
    - m: Modules whose layers hold the forward's function (the reference, or a variant)
    - forward: The forward's layer call (its options)
    - derivative: The backward item's Derivative (which inputs are moved)
    - inputs: The case's inputs and a direction of its own for each moved input
    - differences: Whether to move each element by +-STEP too (else only +-CURVE along
      the directions)

    Returns:
    - The "base", "curve" (and "fd") arrays probes.perturbed names
    """
    options = {
        "forward": forward,
        "inputs": list(derivative.gradients.values()),
        "step": STEP,
        "curve": CURVE,
        "differences": differences,
    }
    return probes.perturbed(m, inputs, options, {})


def objective(outputs: dict[str, np.ndarray], upstream: dict[str, np.ndarray]) -> np.ndarray:
    """L = sum over outputs of upstream * output, over the leading axes of stacked outputs."""
    total = 0.0
    for name, gradient in upstream.items():
        value = outputs[name]
        axes = tuple(range(value.ndim - gradient.ndim, value.ndim))
        total = total + np.sum(value * gradient.astype(np.float64), axis=axes)
    return total


def curvature(at_plus: float, at_minus: float, at_point: float) -> bool:
    """Whether L bends along a direction, from L at +-CURVE and at the point."""
    bend = abs(at_plus + at_minus - 2 * at_point)
    return bend > CURVATURE * (abs(at_plus - at_minus) + abs(at_point) + 1e-12)


def nonlinear_inputs(outputs_at: dict, upstream: dict, derivative: Derivative) -> set[str]:
    """The inputs in which a forward is nonlinear, from its outputs at base and curve points.

    Inputs:
    - outputs_at: "base.<output>" and "curve.<input>.<output>" arrays
    - upstream: Upstream gradient of each forward output
    - derivative: The backward item's Derivative

    Returns:
    - Names of the forward's inputs along which L bends
    """
    point = float(objective({o: outputs_at[f"base.{o}"] for o in upstream}, upstream))
    bent = set()
    for name in derivative.gradients.values():
        plus, minus = objective({o: outputs_at[f"curve.{name}.{o}"] for o in upstream}, upstream)
        if curvature(float(plus), float(minus), point):
            bent.add(name)
    return bent


def judge_own_derivative(
    derivative: Derivative,
    case: Case,
    backward: CaseResult,
    around_forward: dict[str, np.ndarray],
    expected: dict[str, np.ndarray],
    reference_bends: set[str],
) -> str | None:
    """Why the student's backward is not the derivative of their forward (None if it is).

    Inputs:
    - derivative: The backward item's Derivative
    - case: The hidden case
    - backward: The backward item's result on the case
    - around_forward: The recognised variant the student's forward matched, at the case's
      inputs and around them (around(), with differences)
    - expected: The reference outputs of the backward item on the case
    - reference_bends: Inputs in which the assignment's forward is nonlinear

    Returns:
    - None if the backward earns its points against the student's forward, else the reason
    """
    upstream = {output: case.inputs[name] for name, output in derivative.upstream.items()}
    gradients = {}
    for grad, name in derivative.gradients.items():
        values = objective({o: around_forward[f"fd.{name}.{o}"] for o in upstream}, upstream)
        gradients[grad] = ((values[:, 0] - values[:, 1]) / (2 * STEP)).reshape(
            case.inputs[name].shape
        )
    for grad, own in gradients.items():
        reference = expected[grad].astype(np.float64)
        scale = float(np.max(np.abs(reference), initial=0.0))
        needed = np.abs(reference) > SUPPORT * scale
        if np.any(np.abs(own[needed]) <= DEPENDS * scale):
            return f"your forward does not depend on all of `{derivative.gradients[grad]}`"
    missing = reference_bends - nonlinear_inputs(around_forward, upstream, derivative)
    if missing:
        return f"your forward is linear in `{sorted(missing)[0]}`"
    for grad, own in gradients.items():
        got = backward.arrays[grad]
        tolerance = max(tolerance_for(got), TOLERANCE)
        if got.shape != own.shape or not close(got, own, tolerance):
            return f"`{grad}` is not the derivative of your forward either"
    return None
