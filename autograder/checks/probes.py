"""The procedures an item runs on an implementation, one per kind of call.

Each procedure takes a namespace `m` with the modules `m.layers` (cs231n.rnn_layers),
`m.model` (cs231n.classifiers.rnn) and `m.solver` (cs231n.captioning_solver), one case
of inputs `a` (name -> array), the item's `options` (plain JSON data) and a `report`
dict for facts that are not arrays (which inputs each function changed, what a sequence
forward handed its step function). It returns the named arrays to compare. The same
procedure runs on the reference solution in the grader and on the student's code in the
sandbox, so both sides are measured by exactly the same steps.

This file is copied into the sandbox: it may import nothing but numpy.
"""

import numpy as np

MAX_CALLS = 64  # calls of a step function recorded per case
# A retry's "REPAIRED rnn_forward": the student's own rnn_forward and step, the step handed
# every 1-D state with its batch axis put back (what `x[:, t, :].squeeze()` drops at N = 1).
REPAIRED = "repaired handoff of "
# How many of each step function's first arguments hold one row per caption (the sandbox's
# copy of cs231n/known_mistakes.py's STEP_STATES, which it cannot import).
STEP_STATES = {"rnn_step_forward": 2, "lstm_step_forward": 3}
STEP_FORWARDS = tuple(STEP_STATES)


class ProbeError(Exception):
    """The student's code returned something of the wrong form (message is for the student)."""


def unpack(result, names: list[str], function: str) -> dict:
    """Name the values a function returned, or explain why they cannot be named."""
    if len(names) == 1:
        return {names[0]: result}
    if not isinstance(result, tuple) or len(result) != len(names):
        if result is None:
            got = "None (nothing computed yet?)"
        elif isinstance(result, tuple):
            got = f"{len(result)} values"
        else:
            got = type(result).__name__
        raise ProbeError(f"{function} returned {got}; expected a tuple ({', '.join(names)})")
    return dict(zip(names, result, strict=True))


def changed(inputs: dict, before: dict) -> list[str]:
    """Names of the arrays of inputs that differ from their copies in before."""
    return sorted(
        name
        for name, value in inputs.items()
        if name in before
        and (
            value.shape != before[name].shape
            or not np.array_equal(value, before[name], equal_nan=value.dtype.kind == "f")
        )
    )


def snapshot(inputs: dict) -> dict:
    return {name: value.copy() for name, value in inputs.items()}


def call_layer(m, a: dict, spec: dict) -> dict:
    """Call spec["function"] of the layers module on the named inputs; name what it returns."""
    function = getattr(m.layers, spec["function"])
    return unpack(function(*(a[name] for name in spec["args"])), spec["returns"], spec["function"])


def arrays_only(named: dict, prefix: str = "") -> dict:
    return {prefix + name: value for name, value in named.items() if name != "cache"}


def describe_argument(value) -> list:
    """[shape, dtype] of an array argument, or [None, type name] of anything else."""
    if isinstance(value, np.ndarray):
        return [list(value.shape), str(value.dtype)]
    return [None, type(value).__name__]


def layer(m, a: dict, options: dict, report: dict) -> dict:
    """A forward layer: its outputs (not its cache).

    options["spy"], if given, names a step function whose arguments are recorded in
    report["calls"] while the layer runs (what a sequence forward hands its step).
    """
    before = snapshot(a)
    spy = options.get("spy")
    if spy is None:
        named = call_layer(m, a, options)
    else:
        original, calls = getattr(m.layers, spy), []

        def recorded(*args, **kwargs):
            if len(calls) < MAX_CALLS:
                calls.append([describe_argument(arg) for arg in args])
            return original(*args, **kwargs)

        setattr(m.layers, spy, recorded)
        try:
            named = call_layer(m, a, options)
        finally:
            setattr(m.layers, spy, original)
        report["calls"] = calls
    report["modified"] = {"function": changed(a, before)}
    return arrays_only(named)


def backward(m, a: dict, options: dict, report: dict) -> dict:
    """A backward layer, fed with the cache of its forward layer on the same inputs.

    Returns the backward's outputs, and the forward's outputs named "forward.<name>" (so
    the grader can tell whether the backward was given the assignment's forward).
    """
    forward = options["forward"]
    before = snapshot(a)
    named_forward = call_layer(m, a, forward)
    if "cache" not in named_forward:
        raise ProbeError(f"{forward['function']} returned no cache")
    after_forward = snapshot(a)
    function = getattr(m.layers, options["function"])
    upstream = [a[name] for name in options["args"]]
    result = function(*upstream, named_forward["cache"])
    named = unpack(result, options["returns"], options["function"])
    report["modified"] = {
        "forward": changed(a, before),
        "function": changed(a, after_forward),
    }
    return {**named, **arrays_only(named_forward, "forward.")}


def perturbed(m, a: dict, options: dict, report: dict) -> dict:
    """The forward layer at points around the case's inputs, for derivatives in the grader.

    Every float input is taken as float64. For each input named in options["inputs"]:
    - "fd.<input>.<output>": the output with each element of the input moved by
      +step and -step in turn, of shape (size of input, 2, *output shape)
    - "curve.<input>.<output>": the output with the whole input moved by +-curve times
      the array a["direction.<input>"], of shape (2, *output shape)
    and "base.<output>" at the inputs themselves. With options["differences"] false,
    only the "curve" and "base" outputs are computed.
    """
    forward, step, curve = options["forward"], options["step"], options["curve"]
    point = {
        name: value.astype(np.float64) if value.dtype.kind == "f" else value
        for name, value in a.items()
        if not name.startswith("direction.")
    }

    def outputs() -> dict:
        named = arrays_only(call_layer(m, {k: v.copy() for k, v in point.items()}, forward))
        return {name: np.asarray(value, dtype=np.float64) for name, value in named.items()}

    base = outputs()
    result = {f"base.{key}": value for key, value in base.items()}
    for name in options["inputs"]:
        original = point[name]
        moves = []  # per element of the input: the outputs at +step and at -step
        for index in range(original.size if options.get("differences", True) else 0):
            pair = []
            for sign in (1.0, -1.0):
                moved = original.copy()
                moved.flat[index] += sign * step
                point[name] = moved
                pair.append(outputs())
            moves.append(pair)
        curves = []
        for sign in (1.0, -1.0):
            point[name] = original + sign * curve * a[f"direction.{name}"]
            curves.append(outputs())
        point[name] = original
        for key in base:
            if moves:
                result[f"fd.{name}.{key}"] = np.array([[up[key], down[key]] for up, down in moves])
            result[f"curve.{name}.{key}"] = np.array([moved[key] for moved in curves])
    return result


def vocabulary(inputs: dict) -> dict:
    return {str(word): i for i, word in enumerate(inputs["vocab"])}


def build_model(m, inputs: dict, cell_type: str):
    """A CaptioningRNN whose parameters are the ones given in inputs (param_<name>).

    It is built as a notebook builds one: Python ints for the sizes, a dtype given as the
    numpy scalar type (np.float64, not np.dtype("float64")).
    """
    params = {name[len("param_") :]: v for name, v in inputs.items() if name.startswith("param_")}
    model = m.model.CaptioningRNN(
        vocabulary(inputs),
        input_dim=int(params["W_proj"].shape[0]),
        wordvec_dim=int(params["W_embed"].shape[1]),
        hidden_dim=int(params["W_proj"].shape[1]),
        cell_type=cell_type,
        dtype=params["W_proj"].dtype.type,
    )
    missing = sorted(set(params) - set(model.params))
    if missing:
        raise ProbeError(f"CaptioningRNN.params has no {', '.join(missing)}")
    for name, value in params.items():
        model.params[name] = value.copy()
    return model


def loss(m, a: dict, options: dict, report: dict) -> dict:
    """CaptioningRNN.loss: the loss and the gradient of every parameter ("grad_<name>")."""
    model = build_model(m, a, options["cell_type"])
    before = snapshot(a)
    named = unpack(model.loss(a["features"], a["captions"]), ["loss", "grads"], "loss")
    report["modified"] = {"function": changed(a, before)}
    grads = named["grads"]
    if not isinstance(grads, dict):
        raise ProbeError(f"loss returned grads as {type(grads).__name__}; expected a dict")
    return {"loss": named["loss"], **{f"grad_{name}": value for name, value in grads.items()}}


def sample(m, a: dict, options: dict, report: dict) -> dict:
    """CaptioningRNN.sample: the greedy captions."""
    model = build_model(m, a, options["cell_type"])
    before = snapshot(a)
    captions = model.sample(a["features"], max_length=int(a["max_length"]))
    report["modified"] = {"function": changed(a, before)}
    return {"captions": captions}


def train(m, a: dict, options: dict, report: dict) -> dict:
    """Train a fresh model on a few captions with fixed seeds; return its trained weights.

    The grader judges the weights with the reference loss and sampler, so nothing
    the student's code reports about its own training is believed.
    """
    np.random.seed(int(a["seed"]))
    features, captions = a["features"], a["captions"]
    model = m.model.CaptioningRNN(
        vocabulary(a),
        input_dim=features.shape[1],
        wordvec_dim=int(a["wordvec_dim"]),
        hidden_dim=int(a["hidden_dim"]),
        cell_type=options["cell_type"],
        dtype=np.float32,
    )
    n = captions.shape[0]
    data = {
        "train_captions": captions,
        "train_image_idxs": np.arange(n),
        "train_features": features,
        "train_urls": np.array([""] * n),
    }
    solver = m.solver.CaptioningSolver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": float(a["learning_rate"])},
        lr_decay=float(a["lr_decay"]),
        batch_size=int(a["batch_size"]),
        num_epochs=int(a["num_epochs"]),
        verbose=False,
        seed=int(a["seed"]),
    )
    solver.train()
    return {f"param_{name}": value for name, value in model.params.items()}
