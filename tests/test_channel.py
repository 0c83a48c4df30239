"""The grader's channel to a sandbox, and the oracle behind it, believe nothing they read."""

import json
import socket
import struct
import time

import numpy as np
import pytest

from autograder.reference import reference_modules
from autograder.sandbox import oracle as oracle_module
from autograder.sandbox.channel import ChannelError, Handle, pack, receive, send, unpack
from autograder.sandbox.oracle import Oracle
from autograder.sandbox.results import UNREADABLE, read_result

LIMIT = 1 << 20
BOUNDS = {"N": 2, "D": 3, "H": 4, "G": 4}  # the sizes of step_inputs()


@pytest.fixture
def pair():
    grader, sandbox = socket.socketpair()
    yield grader, sandbox
    grader.close()
    sandbox.close()


def raw(connection: socket.socket, header: bytes, body: bytes = b"") -> None:
    """Write a frame by hand, as a student's code could."""
    connection.sendall(struct.pack(">II", len(header), len(body)) + header + body)


def framed(arrays: list, body: bytes = b"", **header) -> bytes:
    return json.dumps({**header, "arrays": arrays}).encode()


def test_arrays_cross_whole_and_writable(pair):
    grader, sandbox = pair
    sent = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(2.5),
        np.zeros((0, 4), dtype=np.int64),
        np.array(["<NULL>", "a"]),
        np.array([True, False]),
        np.arange(4, dtype=np.float64)[::2],  # not contiguous
    ]
    send(sandbox, {"kind": "result", "number": 3}, sent)
    header, arrays = receive(grader, LIMIT, time.monotonic() + 5)
    assert header == {"kind": "result", "number": 3}
    for got, want in zip(arrays, sent, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)
    arrays[0][0, 0] = 7.0  # the grader and the runner may write into what they receive


@pytest.mark.parametrize(
    "header, body, problem",
    [
        (framed([["|O8", [1]]]), b"\0" * 8, "dtype that is not allowed"),
        (framed([[">f8", [1]]]), b"\0" * 8, "dtype that is not allowed"),
        (framed([["<U300", [1]]]), b"\0" * 1200, "dtype that is not allowed"),
        (framed([["<V8", [1]]]), b"\0" * 8, "dtype that is not allowed"),
        (framed([["<f8", [2]]]), b"\0" * 8, "do not fill the body"),
        (framed([["<f8", [-1]]]), b"", "malformed array shape"),
        (framed([["<f8", [1.5]]]), b"\0" * 8, "malformed array shape"),
        (framed([["<f8", [1] * 9]]), b"\0" * 8, "malformed array shape"),
        (framed([["|b1", [2**32, 2**32]]]), b"", "malformed array shape"),  # np.prod: 0
        (framed([["|b1", [0, 2**63]]]), b"", "malformed array shape"),  # no elements
        (framed([["|b1", [2**30, 2]], ["<i2", [2**30]]]), b"", "do not fill the body"),
        (b"[" * 200_000, b"", "not JSON"),
        (b"\xff\xfe", b"", "not JSON"),
        (b"[]", b"", "without its list of arrays"),
    ],
)
def test_a_malformed_message_is_refused(pair, header, body, problem):
    grader, sandbox = pair
    raw(sandbox, header, body)
    with pytest.raises(ChannelError, match=problem) as refused:
        receive(grader, LIMIT, time.monotonic() + 5)
    assert refused.value.malformed


def test_a_message_too_large_is_refused_before_it_is_read(pair):
    grader, sandbox = pair
    sandbox.sendall(struct.pack(">II", 10, LIMIT + 1))  # nothing more is ever sent
    with pytest.raises(ChannelError, match="larger than allowed"):
        receive(grader, LIMIT, time.monotonic() + 5)


def test_a_late_or_cut_off_message_is_not_waited_for(pair):
    grader, sandbox = pair
    sandbox.sendall(struct.pack(">II", 100, 0) + b"{")  # a header that never ends
    started = time.monotonic()
    with pytest.raises(ChannelError, match="timed out") as late:
        receive(grader, LIMIT, started + 0.3)
    assert time.monotonic() - started < 2 and not late.value.malformed
    sandbox.close()
    with pytest.raises(ChannelError, match="closed"):
        receive(grader, LIMIT, time.monotonic() + 5)


def test_values_cross_as_plain_data_only():
    arrays: list[np.ndarray] = []
    value = (np.ones(2), 3, 0.5, None, [np.zeros(1)], {"W": np.eye(2)}, Handle((np.ones(1),), 7))
    back = unpack(pack(value, arrays), arrays)
    assert back[1:4] == (3, 0.5, None) and isinstance(back[4], list)
    assert isinstance(back[6], Handle) and back[6].number == 7 and back[6][0][0] == 1.0
    for bad in (object(), np.array([object()]), lambda: 0, b"bytes"):
        with pytest.raises(TypeError):
            pack(bad, [])
    for spec in ({"a": 5}, {"x": 1}, {"a": 0, "t": []}, {"h": [1, "x"]}, {"t": {"t": []}}, []):
        with pytest.raises(ChannelError):
            unpack(spec, [np.ones(1)])
    deep: dict = {"n": 0}
    for _ in range(10):
        deep = {"t": [deep]}
    with pytest.raises(ChannelError):
        unpack(deep, [])


def call(oracle: Oracle, function: str, *args, **header):
    arrays: list[np.ndarray] = []
    spec = pack(tuple(args), arrays)
    reply, values = oracle.answer(
        {"kind": "call", "function": function, "args": spec, **header}, arrays
    )
    return reply, values


def step_inputs():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape) for shape in ((2, 3), (2, 4), (3, 4), (4, 4), (4,))]


def test_the_oracle_serves_only_the_items_functions():
    oracle = Oracle(reference_modules(), ["rnn_step_forward"], BOUNDS)
    reply, values = call(oracle, "rnn_step_forward", *step_inputs())
    next_h, cache = unpack(reply["value"], values)
    assert next_h.shape == (2, 4) and isinstance(cache, Handle)
    for other in ("rnn_forward", "CaptioningRNN.sample", "__import__", "os.system"):
        reply, _ = call(oracle, other, *step_inputs())
        assert "no reference" in reply["error"] and "value" not in reply


def test_a_backward_gets_the_cache_the_oracle_kept():
    oracle = Oracle(reference_modules(), ["rnn_step_forward", "rnn_step_backward"], BOUNDS)
    reply, values = call(oracle, "rnn_step_forward", *step_inputs())
    _, cache = unpack(reply["value"], values)
    tampered = Handle(tuple(np.zeros_like(part) for part in cache), cache.number)
    upstream = np.ones((2, 4))
    honest, values = call(oracle, "rnn_step_backward", upstream, Handle((), cache.number))
    forged, forged_values = call(oracle, "rnn_step_backward", upstream, tampered)
    got, want = unpack(forged["value"], forged_values), unpack(honest["value"], values)
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    oracle.new_case()  # a cache is good for its own case only
    reply, _ = call(oracle, "rnn_step_backward", upstream, Handle((), cache.number))
    assert "no reference forward made in this case" in reply["error"]


def test_the_oracle_bounds_calls_sizes_and_says_only_what_failed(monkeypatch):
    oracle = Oracle(reference_modules(), ["rnn_step_forward", "CaptioningRNN.loss"], BOUNDS)
    reply, _ = call(oracle, "rnn_step_forward", np.ones(oracle_module.MAX_ELEMENTS + 1))
    assert "larger than any hidden case" in reply["error"]
    reply, _ = call(oracle, "rnn_step_forward", np.ones((2, 3)), np.ones((5, 5)))
    assert reply["error"] == "arguments that are not those of rnn_step_forward"
    x, prev_h, Wx, Wh, b = step_inputs()
    reply, _ = call(oracle, "rnn_step_forward", x, prev_h, Wx[:2], Wh, b)
    assert reply["error"] == "the reference rnn_step_forward raised ValueError"
    reply, _ = call(oracle, "CaptioningRNN.loss", np.ones((1, 0)), np.ones((1, 0), dtype=int),
                    model={"cell_type": "gru", "null": 0, "params": {"n": 0}})  # fmt: skip
    assert reply["error"] == "a model the grader cannot read"
    monkeypatch.setattr(oracle_module, "MAX_CALLS", oracle.calls + 1)
    assert "value" in call(oracle, "rnn_step_forward", *step_inputs())[0]
    assert "more than" in call(oracle, "rnn_step_forward", *step_inputs())[0]["error"]


def test_the_oracle_keeps_a_bounded_amount_of_caches(monkeypatch):
    oracle = Oracle(reference_modules(), ["rnn_step_forward"], BOUNDS)
    inputs = step_inputs()
    call(oracle, "rnn_step_forward", *inputs)
    one_call = oracle.kept_bytes  # the cache: x, prev_h, Wx, Wh, next_h, each counted once
    assert one_call == sum(a.nbytes for a in inputs[:4]) + 2 * 4 * 8
    call(oracle, "rnn_step_forward", *inputs)
    assert oracle.kept_bytes == 2 * one_call - sum(a.nbytes for a in inputs[:4])
    oracle.new_case()
    monkeypatch.setattr(oracle_module, "MAX_KEPT_BYTES", one_call + 2 * 4 * 8)  # a next_h more
    replies = [call(oracle, "rnn_step_forward", *inputs)[0] for _ in range(3)]
    assert ["value" in reply for reply in replies] == [True, True, False]
    assert "MB of caches in one case" in replies[-1]["error"]
    oracle.new_case()
    assert oracle.kept_bytes == 0 and "value" in call(oracle, "rnn_step_forward", *inputs)[0]


def test_the_oracle_refuses_arguments_longer_than_the_hidden_cases():
    """Broadcasting (x (N, 1) against Wx (1, H)) or a long loop makes no more than the
    hidden cases' sizes, whichever axis is stretched."""
    oracle = Oracle(reference_modules(), ["rnn_step_forward", "rnn_forward"], BOUNDS)
    x, prev_h, Wx, Wh, b = step_inputs()
    assert "value" in call(oracle, "rnn_step_forward", x[0], prev_h[0], Wx, Wh, b)[0]  # N = 1
    wide = (np.ones((2, 1)), np.ones((2, 1)), np.ones((1, 5)), np.ones((1, 5)), np.ones(5))
    long = (np.ones((1, 3, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones(1))
    tall = (np.ones((3, 1)), np.ones((3, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones(1))
    for function, args, letter in [
        ("rnn_step_forward", wide, "G = 5"),
        ("rnn_forward", long, "T = 3"),  # no T in a step's cases
        ("rnn_step_forward", tall, "N = 3"),
    ]:
        reply, _ = call(oracle, function, *args)
        assert reply["error"] == f"an argument larger than any hidden case ({letter})"
    for bad in (np.ones((1, 1, 2, 3)), [[[1.0]]], np.array([["a", "b", "c"]] * 2)):
        reply, _ = call(oracle, "rnn_step_forward", bad, prev_h, Wx, Wh, b)
        assert "value" not in reply and "argument" in reply["error"]


def test_a_reply_the_oracle_cannot_pack_is_an_error(monkeypatch):
    oracle = Oracle(reference_modules(), ["rnn_step_forward"], BOUNDS)
    layers = oracle.reference.layers
    monkeypatch.setattr(layers, "rnn_step_forward", lambda *args: ([[[[[[1.0]]]]]], ()))
    reply, values = call(oracle, "rnn_step_forward", *step_inputs())
    assert reply == {"kind": "reply", "error": "the reference rnn_step_forward raised TypeError"}
    assert values == []


def result_header(**fields) -> dict:
    header = {"error": None, "where": None, "types": {"h": "ndarray"}, "outputs": {"h": 0}}
    return {**header, "report": {}, **fields}


def test_a_result_with_numbers_out_of_range_is_unreadable():
    where = {"file": "cs231n/rnn_layers.py", "line": float("inf"), "function": "f"}
    calls = {"calls": [[[[float("inf")], "<f8"]]]}
    for header in (result_header(where=where, error="E"), result_header(report=calls)):
        assert read_result(header, [np.ones(2)], ["h"], ["x"]).error == UNREADABLE


def test_only_arrays_of_numbers_are_read_as_outputs():
    for dtype, read in (("<U3", False), ("|b1", True), ("<i4", True), ("<f4", True)):
        result = read_result(result_header(), [np.zeros(2, dtype=dtype)], ["h"], ["x"])
        assert ("h" in result.arrays) == read and result.error is None


def test_only_the_cases_own_inputs_are_reported_modified():
    honest = result_header(report={"modified": {"function": ["x", "Wx", "x"]}})
    assert read_result(honest, [np.ones(2)], ["h"], ["x", "Wx"]).modified_by() == ["Wx", "x"]
    for name in ("x:0.417022,0.720324", "\x1b[31m<b>", "cache[0]", 3):
        forged = result_header(report={"modified": {"forward": [name]}})
        assert read_result(forged, [np.ones(2)], ["h"], ["x", "Wx"]).error == UNREADABLE
