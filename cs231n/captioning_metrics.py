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

The references' side of this (their lengths, the largest count of each n-gram) does
not depend on the hypotheses: BleuReferences counts it once, for scoring many sets of
hypotheses against the same references.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cs231n.coco_utils import strip_special_tokens

NGram = tuple[str, ...]


def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    """Count the n-grams (as tuples) of a token sequence."""
    # The i-th copy starts i tokens in; zip stops with the shortest, at the last n-gram.
    return Counter(zip(*(tokens[i:] for i in range(n)), strict=False))


def _closest_ref_length(ref_lengths: Sequence[int], hyp_len: int) -> int:
    """Reference length closest to hyp_len, preferring the shorter on ties."""
    return min(ref_lengths, key=lambda ref_len: (abs(ref_len - hyp_len), ref_len))


def _largest_counts(refs: Sequence[Sequence[str]], n: int) -> dict[NGram, int]:
    """For every n-gram of the references, its count in the reference where it is most frequent."""
    largest: dict[NGram, int] = {}
    for ref in refs:
        for ngram, count in _ngrams(ref, n).items():
            if count > largest.get(ngram, 0):
                largest[ngram] = count
    return largest


@dataclass(frozen=True)
class BleuReferences:
    """The references of a corpus, counted for BLEU.

    - max_n: Largest n-gram order (4 gives BLEU-4)
    - lengths: For each of the N sentences, the lengths of its references
    - largest: For each sentence, for n = 1..max_n, the largest count of every n-gram
      in any one of its references
    """

    max_n: int
    lengths: list[list[int]]
    largest: list[list[dict[NGram, int]]]

    @classmethod
    def count(cls, references: list[list[list[str]]], max_n: int = 4) -> "BleuReferences":
        """Inputs:
        - references: For each of the N sentences, a non-empty list of reference
          token lists
        - max_n: Largest n-gram order

        Returns the counted BleuReferences.
        """
        if max_n < 1:
            raise ValueError(f"max_n must be at least 1, got {max_n}")
        if any(len(refs) == 0 for refs in references):
            raise ValueError("Every hypothesis needs at least one reference")
        lengths = [[len(ref) for ref in refs] for refs in references]
        largest = [[_largest_counts(refs, n) for n in range(1, max_n + 1)] for refs in references]
        return cls(max_n, lengths, largest)

    def score(self, hypotheses: list[list[str]]) -> float:
        """Corpus-level BLEU of hypotheses against these references, uniform weights.

        Inputs:
        - hypotheses: N hypothesis token lists, in the order of the references

        Returns:
        - BLEU in [0, 1]
        """
        if len(hypotheses) != len(self.lengths):
            raise ValueError(
                f"Got {len(self.lengths)} reference sets for {len(hypotheses)} hypotheses"
            )
        matches = [0] * self.max_n
        totals = [0] * self.max_n
        hyp_length = ref_length = 0
        for ref_lengths, largest, hyp in zip(self.lengths, self.largest, hypotheses, strict=True):
            hyp_length += len(hyp)
            ref_length += _closest_ref_length(ref_lengths, len(hyp))
            for n in range(1, self.max_n + 1):
                counts = largest[n - 1]
                hyp_counts = _ngrams(hyp, n)
                matches[n - 1] += sum(min(c, counts.get(g, 0)) for g, c in hyp_counts.items())
                totals[n - 1] += max(len(hyp) - n + 1, 0)

        if min(matches) == 0:
            return 0.0
        log_precision = sum(math.log(m / t) for m, t in zip(matches, totals, strict=True))
        brevity = 1.0 if hyp_length > ref_length else math.exp(1.0 - ref_length / hyp_length)
        return brevity * math.exp(log_precision / self.max_n)


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
    return BleuReferences.count(references, max_n).score(hypotheses)


def caption_tokens(caption: str) -> list[str]:
    """The words of a caption string, without <START>, <END> and <NULL>."""
    return strip_special_tokens(caption).split()


def caption_references(references_per_image: list[list[str]], max_n: int = 4) -> BleuReferences:
    """The ground-truth caption strings of N images, counted once.

    Scoring many sets of generated captions against the same images, count them here
    once and call `.score([caption_tokens(c) for c in generated])` for each set.

    Inputs:
    - references_per_image: For each of the N images, its ground-truth caption strings
    - max_n: Largest n-gram order (4 gives BLEU-4)

    Returns the BleuReferences of the captions' words.
    """
    tokens = [[caption_tokens(ref) for ref in refs] for refs in references_per_image]
    return BleuReferences.count(tokens, max_n)


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
    references = caption_references(references_per_image, max_n)
    return references.score([caption_tokens(caption) for caption in generated])
