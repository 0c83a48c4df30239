"""Corpus-level BLEU (Papineni et al., 2002) for generated captions.

For each n = 1..max_n, the modified precision p_n is the number of hypothesis
n-grams that also appear in a reference (each n-gram counted at most as many times
as it occurs in the single reference where it is most frequent), summed over the
whole corpus, divided by the total number of hypothesis n-grams. With c the total
hypothesis length and r the sum over sentences of the reference length closest to
the hypothesis length (the shorter one on ties):

    BLEU = BP * exp(mean_n log p_n),   BP = 1 if c > r else exp(1 - r / c)

There is no smoothing: if any p_n is zero (or there are no n-grams of some order),
BLEU is 0.
"""

import math
from collections import Counter
from collections.abc import Sequence

from cs231n.coco_utils import strip_special_tokens


def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    """Count the n-grams (as tuples) of a token sequence."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _closest_ref_length(references: Sequence[Sequence[str]], hyp_len: int) -> int:
    """Reference length closest to hyp_len, preferring the shorter on ties."""
    return min((len(ref) for ref in references), key=lambda ref_len: (abs(ref_len - hyp_len),
                                                                      ref_len))


def corpus_bleu(
    references: list[list[list[str]]], hypotheses: list[list[str]], max_n: int = 4
) -> float:
    """Corpus-level BLEU score with uniform n-gram weights.

    Inputs:
    - references: For each of the N sentences, a non-empty list of reference
      token lists
    - hypotheses: N hypothesis token lists
    - max_n: Largest n-gram order (4 gives BLEU-4)

    Returns:
    - BLEU in [0, 1]
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"Got {len(references)} reference sets for {len(hypotheses)} "
                         "hypotheses")
    if max_n < 1:
        raise ValueError(f"max_n must be at least 1, got {max_n}")
    if any(len(refs) == 0 for refs in references):
        raise ValueError("Every hypothesis needs at least one reference")

    matches = [0] * max_n
    totals = [0] * max_n
    hyp_length = ref_length = 0
    for refs, hyp in zip(references, hypotheses, strict=True):
        hyp_length += len(hyp)
        ref_length += _closest_ref_length(refs, len(hyp))
        for n in range(1, max_n + 1):
            hyp_counts = _ngrams(hyp, n)
            max_ref_counts = Counter()
            for ref in refs:
                max_ref_counts |= _ngrams(ref, n)
            matches[n - 1] += sum((hyp_counts & max_ref_counts).values())
            totals[n - 1] += sum(hyp_counts.values())

    if min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals, strict=True)) / max_n
    brevity = 1.0 if hyp_length > ref_length else math.exp(1.0 - ref_length / hyp_length)
    return brevity * math.exp(log_precision)


def bleu_for_captions(
    generated: list[str], references_per_image: list[list[str]], max_n: int = 4
) -> float:
    """Corpus BLEU of caption strings, ignoring <START>, <END> and <NULL>.

    Inputs:
    - generated: N generated captions, e.g. from decode_captions
    - references_per_image: For each of the N images, its ground-truth caption strings
    - max_n: Largest n-gram order (4 gives BLEU-4)

    Returns:
    - BLEU in [0, 1]
    """
    hypotheses = [strip_special_tokens(caption).split() for caption in generated]
    references = [[strip_special_tokens(ref).split() for ref in refs]
                  for refs in references_per_image]
    return corpus_bleu(references, hypotheses, max_n=max_n)
