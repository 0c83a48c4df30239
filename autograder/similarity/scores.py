"""Pairwise similarity per function, calibrated to the class, combined into a score.

1. Similarity: for every pair of documents and every TODO function both implement, the
   Jaccard index of their region fingerprints (shared / all distinct fingerprints).
2. Calibration: a function's tail value for a pair is the share of the class's pairs
   (student with student) that are at least as similar on that function. A function
   that everyone writes the same way gives every pair a large tail value; a rare
   agreement on a function written in many ways gives a small one.
3. Combination: Fisher's method turns a pair's tail values into the probability that
   two independent solutions agree at least this much on all their functions at once
   (chi-square with 2m degrees of freedom for m functions).
4. Score: the chance-corrected confidence (1 - p) ** M over the M comparisons of the
   run (Sidak): a class without copies, whatever its size, has a pair at 0.95 or more
   in about one run in twenty, if independent pairs agree on each function regardless
   of the others.
"""

from dataclasses import dataclass

import numpy as np

# Fingerprint columns per block of the pair-count product (bounds its memory).
BLOCK = 4096
# A function "matches" when the two regions share at least this Jaccard index and at
# most this share of the class's pairs is as similar on it.
MATCH_SIMILARITY = 0.3
MATCH_TAIL = 0.1


@dataclass
class Comparison:
    """Scores of every compared pair.

    - pairs: (P, 2) document indices (a, b); b is a reference for reference pairs
    - is_class_pair: (P,) True where both documents are students
    - similarity: (P, F) Jaccard index per function, NaN where either side has none
    - tail: (P, F) share of class pairs at least as similar, NaN where not compared
    - combined: (P,) Fisher's combined probability (1 where nothing was compared)
    - score: (P,) chance-corrected confidence in 0-1
    - matches: (P, F) True where the function matches (MATCH_SIMILARITY, MATCH_TAIL)
    """

    pairs: np.ndarray
    is_class_pair: np.ndarray
    similarity: np.ndarray
    tail: np.ndarray
    combined: np.ndarray
    score: np.ndarray
    matches: np.ndarray


def jaccard_matrix(hash_sets: list[set[int] | None]) -> np.ndarray:
    """Jaccard index of every two fingerprint sets.

    Inputs:
    - hash_sets: One set of fingerprint hashes per document, None where it has none

    Returns:
    - (n, n) float array; NaN on the diagonal and wherever a side is None
    """
    n = len(hash_sets)
    present = [i for i, hashes in enumerate(hash_sets) if hashes]
    sizes = np.zeros(n)
    sizes[present] = [len(hash_sets[i]) for i in present]
    shared = np.zeros((n, n))
    if present:
        docs = np.concatenate([np.full(len(hash_sets[i]), i) for i in present])
        values = np.concatenate([np.fromiter(hash_sets[i], np.int64) for i in present])
        _, column, counts = np.unique(values, return_inverse=True, return_counts=True)
        keep = counts[column] > 1  # a hash in one document only is shared by no pair
        docs, column = docs[keep], np.unique(column[keep], return_inverse=True)[1]
        order = np.argsort(column, kind="stable")
        docs, column = docs[order], column[order]
        bounds = np.searchsorted(column, np.arange(0, column.max(initial=-1) + 1 + BLOCK, BLOCK))
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=False):
            if hi > lo:
                block = np.zeros((n, BLOCK), dtype=np.float32)
                block[docs[lo:hi], column[lo:hi] % BLOCK] = 1
                shared += block @ block.T
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = shared / (sizes[:, None] + sizes[None, :] - shared)
    absent = sizes == 0
    jaccard[absent, :] = np.nan
    jaccard[:, absent] = np.nan
    np.fill_diagonal(jaccard, np.nan)
    return jaccard


def tail_values(similarity: np.ndarray, is_class_pair: np.ndarray) -> np.ndarray:
    """Per function, the share of class pairs at least as similar as each pair.

    A class pair counts itself; a reference pair is counted as if it joined the class.

    Inputs:
    - similarity: (P, F) similarities, NaN where not compared
    - is_class_pair: (P,) True for student-student pairs

    Returns:
    - (P, F) tail values in (0, 1], NaN where not compared or no class pair compared
    """
    tail = np.full(similarity.shape, np.nan)
    for f in range(similarity.shape[1]):
        column = similarity[:, f]
        null = np.sort(column[is_class_pair & ~np.isnan(column)])
        if not len(null):
            continue
        compared = ~np.isnan(column)
        at_least = len(null) - np.searchsorted(null, column[compared], side="left")
        own = is_class_pair[compared]
        tail[compared, f] = np.where(own, at_least / len(null), (at_least + 1) / (len(null) + 1))
    return tail


def fisher_combined(tail: np.ndarray) -> np.ndarray:
    """Fisher's combination of each row's tail values (NaN entries left out).

    Returns:
    - (P,) probability of a chi-square with 2m degrees of freedom exceeding
      -2 sum(log tail), m the row's number of values; 1 for an empty row
    """
    compared = ~np.isnan(tail)
    m = compared.sum(axis=1)
    half = -np.log(np.where(compared, tail, 1.0)).sum(axis=1)  # X / 2
    # Survival function of chi-square with even degrees of freedom 2m:
    # exp(-X/2) * sum_{i<m} (X/2)^i / i!, summed in log space for tiny results.
    with np.errstate(divide="ignore"):
        log_half = np.log(half)
    terms = np.full((len(tail), max(int(m.max(initial=0)), 1)), -np.inf)
    log_factorial = 0.0
    for i in range(terms.shape[1]):
        log_factorial += np.log(i) if i else 0.0
        # The i = 0 term is 1, also where X = 0 (where 0 * log 0 would be NaN).
        term = (i * log_half if i else 0.0) - log_factorial
        terms[:, i] = np.where(i < m, term, -np.inf)
    top = np.where(m > 0, terms.max(axis=1), 0.0)[:, None]
    sums = np.exp(terms - top).sum(axis=1)
    log_sum = top[:, 0] + np.log(np.where(m > 0, sums, 1.0))
    return np.where(m > 0, np.minimum(1.0, np.exp(log_sum - half)), 1.0)


def compare(hash_sets: list[list[set[int] | None]], students: int) -> Comparison:
    """Score every student pair and every student-reference pair.

    Inputs:
    - hash_sets: Per function, one fingerprint set per document (None where absent);
      the first `students` documents are students, the others references
    - students: Number of student documents

    Returns:
    - Comparison of all pairs: class pairs (a < b), then (student, reference) pairs
    """
    documents = len(hash_sets[0]) if hash_sets else students
    a, b = np.triu_indices(students, k=1)
    student, reference = np.meshgrid(
        np.arange(students), np.arange(students, documents), indexing="ij"
    )
    pairs = np.concatenate(
        [np.stack([a, b], axis=1), np.stack([student.ravel(), reference.ravel()], axis=1)]
    )
    is_class_pair = np.arange(len(pairs)) < len(a)
    similarity = np.zeros((len(pairs), len(hash_sets)))
    for f, sets in enumerate(hash_sets):
        similarity[:, f] = jaccard_matrix(sets)[pairs[:, 0], pairs[:, 1]]
    tail = tail_values(similarity, is_class_pair)
    combined = fisher_combined(tail)
    with np.errstate(divide="ignore"):  # combined == 1 gives log 0 = -inf, score 0
        score = np.exp(len(pairs) * np.log1p(-combined))
    matches = (tail <= MATCH_TAIL) & (similarity >= MATCH_SIMILARITY)
    return Comparison(pairs, is_class_pair, similarity, tail, combined, score, matches)
