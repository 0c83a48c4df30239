"""Vocabulary, caption templates and the scene-vs-caption check of the shapes dataset.

Every template is a deterministic function of the scene, so a scene has a small,
fixed set of valid captions: `all_captions`. An object is always described as
"a <size> <colour> <shape>", objects always appear in listing order (left to right,
then top to bottom) unless a relation says otherwise, and relations are taken
between the first two objects: "to the left of" / "above" (or, read the other way
round, "to the right of" / "below").
"""

from collections.abc import Sequence

import numpy as np

from cs231n.shapes.scenes import BACKGROUNDS, COLOURS, GRID, SHAPES, SIZES

NULL, START, END, UNK = "<NULL>", "<START>", "<END>", "<UNK>"
SPECIAL_TOKENS = (NULL, START, END, UNK)
MAX_WORDS = 15
CAPTION_LENGTH = MAX_WORDS + 2  # <START> + words + <END>, padded with <NULL>

_TEMPLATE_WORDS = (
    "a an there is on background picture image of with and two three shapes "
    "to the left right above below in at top bottom middle"
).split()
WORDS = (*_TEMPLATE_WORDS, *SHAPES, *COLOURS, *SIZES, *BACKGROUNDS)
IDX_TO_WORD = (*SPECIAL_TOKENS, *WORDS)
WORD_TO_IDX = {word: idx for idx, word in enumerate(IDX_TO_WORD)}

# Templates per number of objects. Placeholders: {o1}-{o3} objects in listing order,
# {rel} relation of o1 to o2, {rev} relation of o2 to o1, {bg} background tone, {pos}
# position of a single object. Every article is written "a" and agreed afterwards.
TEMPLATES = {
    1: (
        "there is {o1} on a {bg} background",
        "a picture of {o1}",
        "{o1} on a {bg} background",
        "a image of {o1} {pos}",
        "a {bg} background with {o1}",
        "{o1} {pos}",
    ),
    2: (
        "{o1} {rel} {o2}",
        "{o2} {rev} {o1}",
        "two shapes {o1} and {o2}",
        "{o1} and {o2} on a {bg} background",
        "a picture of {o1} and {o2}",
        "there is {o1} {rel} {o2}",
    ),
    3: (
        "{o1} {o2} and {o3}",
        "three shapes {o1} {o2} and {o3}",
        "{o1} and {o2} and {o3}",
        "there is {o1} {o2} and {o3}",
        "{o1} with {o2} and {o3}",
    ),
}

_ROW_WORDS = ("top", "middle", "bottom")
_COL_WORDS = ("left", "middle", "right")


def article(word: str) -> str:
    """The indefinite article that goes before `word`: "an" before a vowel, else "a"."""
    return "an" if word[0] in "aeiou" else "a"


def agree_articles(words: Sequence[str]) -> list[str]:
    """Replace every "a"/"an" by the article that agrees with the following word."""
    return [
        article(words[i + 1]) if word in ("a", "an") and i + 1 < len(words) else word
        for i, word in enumerate(words)
    ]


def _position(row: int, col: int) -> str:
    """Phrase for a grid cell, e.g. "in the top left", "at the bottom", "in the middle"."""
    if row == GRID // 2 and col == GRID // 2:
        return "in the middle"
    if row == GRID // 2:
        return f"on the {_COL_WORDS[col]}"
    if col == GRID // 2:
        return f"at the {_ROW_WORDS[row]}"
    return f"in the {_ROW_WORDS[row]} {_COL_WORDS[col]}"


def _fillers(scene_row: np.ndarray, background: int) -> tuple[int, dict[str, str]]:
    """Number of objects and the phrase for every template placeholder."""
    objects = [obj for obj in np.asarray(scene_row) if obj[0] >= 0]
    fill = {"bg": BACKGROUNDS[background]}
    for k, (shape, colour, size, _, _) in enumerate(objects, start=1):
        fill[f"o{k}"] = f"a {SIZES[size]} {COLOURS[colour]} {SHAPES[shape]}"
    if len(objects) == 1:
        fill["pos"] = _position(objects[0][3], objects[0][4])
    if len(objects) >= 2:
        same_column = objects[0][4] == objects[1][4]
        fill["rel"] = "above" if same_column else "to the left of"
        fill["rev"] = "below" if same_column else "to the right of"
    return len(objects), fill


def all_captions(scene_row: np.ndarray, background: int) -> list[str]:
    """Every valid caption of a scene, one per template.

    Inputs:
    - scene_row: Int array of shape (3, 5), one row (shape, colour, size, grid_row,
      grid_col) per object in listing order, rows of -1 for absent objects
    - background: Index into BACKGROUNDS

    Returns a list of 5 or 6 distinct captions, words separated by single spaces.
    """
    count, fill = _fillers(scene_row, background)
    return [" ".join(agree_articles(t.format(**fill).split())) for t in TEMPLATES[count]]


def normalise_caption(caption: str) -> str:
    """Lowercase a caption, cut it at <END> and drop <START> and <NULL> tokens."""
    words = []
    for word in caption.split():
        if word == END:
            break
        if word not in (START, NULL):
            words.append(word.lower())
    return " ".join(words)


def caption_matches_scene(caption: str, scene_row: np.ndarray, background: int) -> bool:
    """True iff `caption` is one of the valid captions of the scene.

    Inputs:
    - caption: Words separated by spaces; special tokens are tolerated and stripped
    - scene_row: Int array of shape (3, 5), see `all_captions`
    - background: Index into BACKGROUNDS
    """
    return normalise_caption(caption) in all_captions(scene_row, background)


def scene_accuracy(captions: Sequence[str], scenes: np.ndarray, backgrounds: np.ndarray) -> float:
    """Fraction of captions that correctly describe their scene.

    Inputs:
    - captions: List of N caption strings
    - scenes: Int array of shape (N, 3, 5)
    - backgrounds: Int array of shape (N,)

    Returns the accuracy as a float in [0, 1].
    """
    if len(captions) == 0:
        return 0.0
    rows = zip(captions, scenes, backgrounds, strict=True)
    hits = [caption_matches_scene(caption, scene, bg) for caption, scene, bg in rows]
    return float(np.mean(hits))


def sample_captions(
    scene_row: np.ndarray, background: int, rng: np.random.Generator, num: int = 5
) -> list[str]:
    """Draw `num` captions of a scene from its templates, without replacement if possible.

    Inputs:
    - scene_row: Int array of shape (3, 5), see `all_captions`
    - background: Index into BACKGROUNDS
    - rng: Random generator
    - num: Number of captions to draw

    Returns a list of `num` caption strings.
    """
    options = all_captions(scene_row, background)
    order = rng.permutation(len(options))
    if num > len(options):
        order = np.concatenate([order, rng.integers(0, len(options), size=num - len(options))])
    return [options[i] for i in order[:num]]


def encode_caption(caption: str) -> np.ndarray:
    """Encode a caption as a row of word ids.

    Inputs:
    - caption: At most MAX_WORDS vocabulary words separated by spaces

    Returns an int32 array of shape (CAPTION_LENGTH,): <START>, the words, <END>,
    then <NULL> padding.
    """
    words = caption.split()
    if len(words) > MAX_WORDS:
        raise ValueError(f"caption has {len(words)} > {MAX_WORDS} words: {caption!r}")
    row = np.full(CAPTION_LENGTH, WORD_TO_IDX[NULL], dtype=np.int32)
    row[: len(words) + 2] = [WORD_TO_IDX[START], *(WORD_TO_IDX[w] for w in words), WORD_TO_IDX[END]]
    return row
