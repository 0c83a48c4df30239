"""Read a student's trained parameters (.npz) without trusting them.

The file must be an uncompressed or compressed npz of exactly the parameters of a
CaptioningRNN, as `np.savez(path, **model.params)` writes them, for the cell type its
name says. The word-vector and hidden sizes are free (read from the shapes); the
feature size and the vocabulary must be the dataset's. Nothing is unpickled.
"""

import io
import zipfile

import numpy as np

from autograder.provided import provided_module

# Uncompressed bytes all arrays together may hold (the file itself is capped at intake).
MAX_ARRAY_BYTES = 64 << 20
NAMES = ("W_embed", "W_proj", "b_proj", "Wx", "Wh", "b", "W_vocab", "b_vocab")


class InvalidParams(ValueError):
    """The file cannot be used (the message tells the student what to fix)."""


def expected_shapes(cell_type: str, D: int, W: int, H: int, V: int) -> dict[str, tuple]:
    """Shape of every parameter of a CaptioningRNN with these sizes."""
    public = provided_module("public_cases")
    return public.parameter_shapes(public.gates(cell_type), V, D, W, H)


def _load(data: bytes) -> dict[str, np.ndarray]:
    """Every array of an npz, after checking its members and their total size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as error:
        raise InvalidParams("is not an .npz file (save it with np.savez)") from error
    if sum(info.file_size for info in infos) > MAX_ARRAY_BYTES:
        raise InvalidParams(f"holds more than {MAX_ARRAY_BYTES >> 20} MB of arrays")
    names = [info.filename.removesuffix(".npy") for info in infos]
    unknown = sorted(set(names) - set(NAMES))
    missing = [name for name in NAMES if name not in names]
    if unknown or missing:
        parts = [f"no {', '.join(missing)}"] if missing else []
        parts += [f"unexpected {', '.join(unknown)}"] if unknown else []
        raise InvalidParams(
            f"does not hold exactly the model's parameters ({'; '.join(parts)}): save "
            "`model.params` with np.savez(path, **model.params)"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in NAMES}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise InvalidParams(
            "holds an array numpy cannot read without pickle (save plain arrays)"
        ) from error
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy returns the bytes of a non-.npy member
            raise InvalidParams(f"`{name}` is not a numpy array (save plain arrays)")
    return arrays


def read_params(data: bytes, cell_type: str, input_dim: int, vocab_size: int) -> dict:
    """The validated parameters of a trained captioner, as float32 arrays.

    Inputs:
    - data: Content of the .npz file
    - cell_type: 'rnn' or 'lstm' (from the file's name)
    - input_dim: Feature dimension D of the dataset
    - vocab_size: Vocabulary size V of the dataset

    Returns:
    - Map from parameter name to its float32 array; shapes as in expected_shapes

    Raises InvalidParams saying what is wrong.
    """
    params = _load(data)
    for name, value in params.items():
        if value.dtype.kind != "f":
            raise InvalidParams(f"`{name}` has dtype {value.dtype}; expected floats")
    W = params["W_embed"].shape[1] if params["W_embed"].ndim == 2 else 0
    H = params["W_proj"].shape[1] if params["W_proj"].ndim == 2 else 0
    if W < 1 or H < 1:
        raise InvalidParams("`W_embed` and `W_proj` must be matrices with at least one column")
    shapes = expected_shapes(cell_type, input_dim, W, H, vocab_size)
    for name, shape in shapes.items():
        got = params[name].shape
        if got != shape:
            hint = ""
            other = "lstm" if cell_type == "rnn" else "rnn"
            if got == expected_shapes(other, input_dim, W, H, vocab_size)[name]:
                hint = f" (these look like the parameters of an {other.upper()})"
            raise InvalidParams(
                f"`{name}` has shape {got}; an {cell_type.upper()} captioner with "
                f"D={input_dim}, W={W}, H={H}, V={vocab_size} needs {shape}{hint}"
            )
    with np.errstate(over="ignore"):  # too large for float32 becomes inf, refused below
        params = {name: value.astype(np.float32) for name, value in params.items()}
    for name, value in params.items():
        if not np.all(np.isfinite(value)):
            raise InvalidParams(f"`{name}` contains NaN or inf (did training diverge?)")
    return params
