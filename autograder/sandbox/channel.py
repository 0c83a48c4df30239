"""The one way between the grader and a sandbox job: framed messages of JSON and arrays.

A message is a JSON header (a dict) and a list of numeric or text arrays. On the wire:
4 bytes of header length and 4 bytes of body length (big-endian), the header as UTF-8
JSON (its "arrays" entry lists the [dtype, shape] of each array), then the arrays' raw
bytes, one after the other. Nothing is ever pickled: an array's dtype comes from a short
allowlist (booleans, integers, floats, fixed-width text), so reading a message can only
make plain arrays, whoever wrote it.

Values that are not flat (what a function returns, the arguments of a call) travel as
"specs", JSON that points into the message's arrays:
    {"a": i} the i-th array     {"i": 3} an int      {"f": 0.5} a float     {"n": 0} None
    {"t": [...]} a tuple        {"l": [...]} a list  {"d": {name: ...}} a dict
    {"h": [n, [...]]} the reference cache numbered n, with its contents

Both sides import this file: the grader from the kit, the sandbox from its job folder
(it may import nothing but numpy and the standard library).
"""

import json
import math
import re
import socket
import struct
import time

import numpy as np

NOT_IMPORTABLE = "could not be imported"  # in the error of every use of such a module
# "step inputs of rnn_forward": what each step of the reference sequence forward was
# handed, with its cache (runner.forward_keeping_own_step_caches).
STEP_INPUTS = "step inputs of "
SEQUENCE_STEPS = {"rnn_forward": "rnn_step_forward", "lstm_forward": "lstm_step_forward"}
PREFIX = struct.Struct(">II")
MAX_HEADER = 1 << 20
MAX_ARRAYS = 512
MAX_DIMENSIONS = 8
MAX_DEPTH = 4  # of nested specs
# Of one array's shape, its empty axes counted as 1 (numpy refuses to lay out much more,
# however few elements there are).
MAX_EXTENT = 1 << 40
# Little-endian (or byte-order-free) booleans, integers, floats and text of up to 256 chars.
DTYPE = re.compile(r"^(\|b1|\|[iu]1|<[iu][248]|<f[248]|<U(?P<chars>[1-9]\d{0,2}))$")
MAX_TEXT = 256


class ChannelError(Exception):
    """The other side closed the channel, took too long, or sent something malformed."""

    @property
    def malformed(self) -> bool:
        """Whether a message arrived that breaks the protocol (not a close or a delay)."""
        return not str(self).startswith(("timed out", "closed"))


def allowed(dtype: str) -> bool:
    """Whether an array of this dtype (as numpy writes it, e.g. "<f8") may cross."""
    match = DTYPE.match(dtype)
    return match is not None and int(match["chars"] or 0) <= MAX_TEXT


def send(connection: socket.socket, header: dict, arrays: list[np.ndarray] = ()) -> None:
    """Send one message (header must be JSON data without an "arrays" key)."""
    native = [np.asarray(a, dtype=a.dtype.newbyteorder("="), order="C") for a in arrays]
    described = {**header, "arrays": [[a.dtype.str, list(a.shape)] for a in native]}
    text = json.dumps(described).encode()
    body = sum(a.nbytes for a in native)
    connection.sendall(PREFIX.pack(len(text), body) + text)
    for array in native:
        if array.nbytes:
            connection.sendall(memoryview(array).cast("B"))


def _read_exactly(connection: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    while done < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelError("timed out")
            connection.settimeout(left)
        try:
            count = connection.recv_into(view[done:])
        except TimeoutError as error:
            raise ChannelError("timed out") from error
        except OSError as error:
            raise ChannelError(f"closed ({error.strerror})") from error
        if count == 0:
            raise ChannelError("closed")
        done += count
    return buffer


def _array_layout(entry) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape an "arrays" entry declares, checked against the allowlist."""
    if not isinstance(entry, list) or len(entry) != 2:
        raise ChannelError("malformed array entry")
    dtype, shape = entry
    if not isinstance(dtype, str) or not allowed(dtype):
        raise ChannelError("an array of a dtype that is not allowed")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DIMENSIONS
        or not all(type(size) is int and size >= 0 for size in shape)
        or math.prod(max(size, 1) for size in shape) > MAX_EXTENT
    ):
        raise ChannelError("malformed array shape")
    return np.dtype(dtype), tuple(shape)


def receive(
    connection: socket.socket, max_body: int, deadline: float | None = None
) -> tuple[dict, list[np.ndarray]]:
    """Read one message, believing nothing of it.

    Inputs:
    - connection: The socket
    - max_body: Largest body (bytes of all arrays) accepted
    - deadline: time.monotonic() by which the whole message must have arrived (None: wait)

    Returns a tuple of:
    - header: The JSON header (a dict), without its "arrays" entry
    - arrays: Its arrays, writable, in order

    Raises ChannelError when the message is late, cut off, too large or malformed.
    """
    header_size, body_size = PREFIX.unpack(_read_exactly(connection, PREFIX.size, deadline))
    if header_size > MAX_HEADER or body_size > max_body:
        raise ChannelError("a message larger than allowed")
    try:
        header = json.loads(_read_exactly(connection, header_size, deadline).decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ChannelError("a header that is not JSON") from error
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise ChannelError("a header without its list of arrays")
    layouts = header.pop("arrays")
    if len(layouts) > MAX_ARRAYS:
        raise ChannelError("too many arrays")
    layouts = [_array_layout(entry) for entry in layouts]
    sizes = [dtype.itemsize * math.prod(shape) for dtype, shape in layouts]  # exact, no overflow
    if sum(sizes) != body_size:
        raise ChannelError("arrays that do not fill the body")
    body = _read_exactly(connection, body_size, deadline)
    arrays, start = [], 0
    for (dtype, shape), size in zip(layouts, sizes, strict=True):
        arrays.append(np.frombuffer(body, dtype, count=size // dtype.itemsize, offset=start))
        arrays[-1] = arrays[-1].reshape(shape)
        start += size
    return header, arrays


class Handle(tuple):
    """A cache that a reference forward made: its contents, readable like the reference's
    own tuple, and its number, by which the grader finds the cache it kept."""

    def __new__(cls, contents=(), number: int = -1):
        handle = super().__new__(cls, contents)
        handle.number = number
        return handle

    def __repr__(self) -> str:
        return f"<reference cache {self.number}>"


def pack(value, arrays: list[np.ndarray], depth: int = 0):
    """The spec of value, its arrays appended to arrays (TypeError for anything else)."""
    if depth > MAX_DEPTH:
        raise TypeError("nested too deeply")
    if value is None:
        return {"n": 0}
    if isinstance(value, Handle):
        return {"h": [int(value.number), [pack(v, arrays, depth + 1) for v in value]]}
    if type(value) is int or type(value) is float:
        return {"i" if type(value) is int else "f": value}
    if isinstance(value, tuple | list):
        kind = "l" if isinstance(value, list) else "t"
        return {kind: [pack(v, arrays, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"d": {str(k): pack(v, arrays, depth + 1) for k, v in value.items()}}
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if not allowed(array.dtype.newbyteorder("<").str):
            raise TypeError(f"an array of {array.dtype}")
        arrays.append(array)
        return {"a": len(arrays) - 1}
    raise TypeError(f"a {type(value).__name__}")


def unpack(spec, arrays: list[np.ndarray], handle=None, depth: int = 0):
    """The value a spec describes (ChannelError if malformed).

    A cache becomes handle(number) if handle is given (the grader finds its own), else a
    Handle with the contents that came with it.
    """
    if depth > MAX_DEPTH or not isinstance(spec, dict) or len(spec) != 1:
        raise ChannelError("malformed value")
    [(kind, content)] = spec.items()
    if kind == "n":
        return None
    if kind == "a" and type(content) is int and 0 <= content < len(arrays):
        return arrays[content]
    if (kind == "i" and type(content) is int) or (kind == "f" and type(content) is float):
        return content
    if kind == "h" and isinstance(content, list) and len(content) == 2:
        number, items = content
        if type(number) is not int or not isinstance(items, list) or len(items) > MAX_ARRAYS:
            raise ChannelError("malformed cache")
        if handle is not None:
            return handle(number)
        return Handle(tuple(unpack(v, arrays, handle, depth + 1) for v in items), number)
    if kind in ("t", "l") and isinstance(content, list) and len(content) <= MAX_ARRAYS:
        values = [unpack(v, arrays, handle, depth + 1) for v in content]
        return values if kind == "l" else tuple(values)
    if kind == "d" and isinstance(content, dict) and len(content) <= MAX_ARRAYS:
        return {str(k)[:100]: unpack(v, arrays, handle, depth + 1) for k, v in content.items()}
    raise ChannelError("malformed value")
