"""Shapes in words: what a hidden case's arrays are called instead of their sizes.

Feedback never shows a size of a hidden input: a shape is written with the symbols of
the assignment ("(N, H)", "(D, 4H)"), the student's own shape too, each size named by
the symbol that has it in the case ("(H, N)" for a transposed output), so the same
mistake reads the same in every case.
"""

import re

import numpy as np

SYMBOL = re.compile(r"^(?P<factor>\d*)(?P<name>[A-Za-z_]\w*)$")


def symbols_of(shape: str) -> list[str] | None:
    """The symbols of a symbolic shape, "(N, 4H)" -> ["N", "4H"] (None if it is no tuple)."""
    text = shape.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    return [part.strip() for part in text[1:-1].split(",") if part.strip()]


def sizes_of(shapes: dict[str, str], arrays: dict[str, np.ndarray]) -> dict[str, int]:
    """The size of every symbol, read off the reference's arrays of a case.

    Inputs:
    - shapes: Symbolic shape of each output, e.g. {"dWx": "(D, 4H)"}
    - arrays: The reference's arrays of one case, by output name

    Returns:
    - Map from symbol to size, e.g. {"D": 5, "4H": 24, "H": 6}
    """
    sizes: dict[str, int] = {}
    for name, shape in shapes.items():
        symbols = symbols_of(shape)
        if symbols is None or name not in arrays or len(symbols) != np.ndim(arrays[name]):
            continue
        for symbol, size in zip(symbols, np.shape(arrays[name]), strict=True):
            sizes.setdefault(symbol, int(size))
            match = SYMBOL.match(symbol)
            if match and match["factor"] and size % int(match["factor"]) == 0:
                sizes.setdefault(match["name"], int(size) // int(match["factor"]))
    return sizes


def in_symbols(got: tuple[int, ...], sizes: dict[str, int], wanted: str = "") -> str:
    """A shape written with the symbols of the case's sizes.

    Inputs:
    - got: A shape the student's code returned
    - sizes: Map from symbol to its size in the case
    - wanted: The expected symbolic shape: where several symbols have a size, the one
      expected at that position is taken

    Returns:
    - e.g. "(H, N)"; a size of no symbol is a product of two ("N*T") if it is one, "1" if
      it is 1, else "?"
    """
    expected = symbols_of(wanted) or []
    words = []
    for position, size in enumerate(got):
        candidates = [symbol for symbol, value in sizes.items() if value == size]
        here = expected[position] if position < len(expected) else None
        if here in candidates:
            words.append(here)
        elif candidates:
            words.append(candidates[0])
        else:
            words.append(product_of(size, sizes) or ("1" if size == 1 else "?"))
    return f"({words[0]},)" if len(words) == 1 else f"({', '.join(words)})"


def product_of(size: int, sizes: dict[str, int]) -> str | None:
    """Two plain symbols whose sizes multiply to size ("N*T"), or None."""
    plain = [symbol for symbol in sizes if SYMBOL.match(symbol) and symbol[0].isalpha()]
    for first, symbol in enumerate(plain):
        for other in plain[first:]:
            if sizes[symbol] * sizes[other] == size:
                return f"{symbol}*{other}"
    return None
