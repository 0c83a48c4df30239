"""What each autograded item does with an implementation: one probe per item.

A probe takes a namespace `m` with the modules `m.layers` (cs231n.rnn_layers),
`m.model` (cs231n.classifiers.rnn) and `m.solver` (cs231n.captioning_solver),
and one case of hidden inputs, and returns the named arrays to compare. The same
probe runs on the reference solution in the grader and on the student's code in
the sandbox, so both sides are measured by exactly the same procedure.

This file is copied into the sandbox: it may import nothing but numpy.
"""

import numpy as np


class ProbeError(Exception):
    """The student's code returned something of the wrong form (message is for the student)."""


def unpack(result, names: list[str], function: str) -> dict:
    """Name the values of a returned tuple, or explain why they cannot be named."""
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, tuple) else type(result).__name__
        raise ProbeError(f"{function} returned {got}; expected a tuple ({', '.join(names)})")
    return dict(zip(names, result, strict=True))


def vocabulary(inputs: dict) -> dict:
    return {str(word): i for i, word in enumerate(inputs["vocab"])}


def build_model(m, inputs: dict, cell_type: str):
    """A CaptioningRNN whose parameters are the ones given in inputs."""
    params = {name[len("param_") :]: v for name, v in inputs.items() if name.startswith("param_")}
    model = m.model.CaptioningRNN(
        vocabulary(inputs),
        input_dim=params["W_proj"].shape[0],
        wordvec_dim=params["W_embed"].shape[1],
        hidden_dim=params["W_proj"].shape[1],
        cell_type=cell_type,
        dtype=params["W_proj"].dtype,
    )
    missing = sorted(set(params) - set(model.params))
    if missing:
        raise ProbeError(f"CaptioningRNN.params has no {', '.join(missing)}")
    for name, value in params.items():
        model.params[name] = value.copy()
    return model


def rnn_step_forward(m, a: dict) -> dict:
    result = m.layers.rnn_step_forward(a["x"], a["prev_h"], a["Wx"], a["Wh"], a["b"])
    return {"next_h": unpack(result, ["next_h", "cache"], "rnn_step_forward")["next_h"]}


def rnn_step_backward(m, a: dict) -> dict:
    _, cache = m.layers.rnn_step_forward(a["x"], a["prev_h"], a["Wx"], a["Wh"], a["b"])
    result = m.layers.rnn_step_backward(a["dnext_h"], cache)
    return unpack(result, ["dx", "dprev_h", "dWx", "dWh", "db"], "rnn_step_backward")


def rnn_forward(m, a: dict) -> dict:
    result = m.layers.rnn_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    return {"h": unpack(result, ["h", "cache"], "rnn_forward")["h"]}


def rnn_backward(m, a: dict) -> dict:
    _, cache = m.layers.rnn_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    result = m.layers.rnn_backward(a["dh"], cache)
    return unpack(result, ["dx", "dh0", "dWx", "dWh", "db"], "rnn_backward")


def word_embedding_forward(m, a: dict) -> dict:
    result = m.layers.word_embedding_forward(a["x"], a["W"])
    return {"out": unpack(result, ["out", "cache"], "word_embedding_forward")["out"]}


def word_embedding_backward(m, a: dict) -> dict:
    _, cache = m.layers.word_embedding_forward(a["x"], a["W"])
    return {"dW": m.layers.word_embedding_backward(a["dout"], cache)}


def lstm_step_forward(m, a: dict) -> dict:
    result = m.layers.lstm_step_forward(a["x"], a["prev_h"], a["prev_c"], a["Wx"], a["Wh"], a["b"])
    named = unpack(result, ["next_h", "next_c", "cache"], "lstm_step_forward")
    return {"next_h": named["next_h"], "next_c": named["next_c"]}


def lstm_step_backward(m, a: dict) -> dict:
    *_, cache = m.layers.lstm_step_forward(
        a["x"], a["prev_h"], a["prev_c"], a["Wx"], a["Wh"], a["b"]
    )
    result = m.layers.lstm_step_backward(a["dnext_h"], a["dnext_c"], cache)
    names = ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]
    return unpack(result, names, "lstm_step_backward")


def lstm_forward(m, a: dict) -> dict:
    result = m.layers.lstm_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    return {"h": unpack(result, ["h", "cache"], "lstm_forward")["h"]}


def lstm_backward(m, a: dict) -> dict:
    _, cache = m.layers.lstm_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    result = m.layers.lstm_backward(a["dh"], cache)
    return unpack(result, ["dx", "dh0", "dWx", "dWh", "db"], "lstm_backward")


def _loss(m, a: dict, cell_type: str) -> dict:
    model = build_model(m, a, cell_type)
    named = unpack(model.loss(a["features"], a["captions"]), ["loss", "grads"], "loss")
    loss, grads = named["loss"], named["grads"]
    if not isinstance(grads, dict):
        raise ProbeError(f"loss returned grads as {type(grads).__name__}; expected a dict")
    outputs = {"loss": loss}
    outputs.update({f"grad_{name}": value for name, value in grads.items()})
    return outputs


def loss_rnn(m, a: dict) -> dict:
    return _loss(m, a, "rnn")


def loss_lstm(m, a: dict) -> dict:
    return _loss(m, a, "lstm")


def _sample(m, a: dict, cell_type: str) -> dict:
    model = build_model(m, a, cell_type)
    return {"captions": model.sample(a["features"], max_length=int(a["max_length"]))}


def sample_rnn(m, a: dict) -> dict:
    return _sample(m, a, "rnn")


def sample_lstm(m, a: dict) -> dict:
    return _sample(m, a, "lstm")


def _overfit(m, a: dict, cell_type: str) -> dict:
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
        cell_type=cell_type,
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


def overfit_rnn(m, a: dict) -> dict:
    return _overfit(m, a, "rnn")


def overfit_lstm(m, a: dict) -> dict:
    return _overfit(m, a, "lstm")
