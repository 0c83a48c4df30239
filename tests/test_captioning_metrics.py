"""Tests for cs231n.captioning_metrics against hand-computed BLEU values."""

import math

import pytest

from cs231n.captioning_metrics import (
    BleuReferences,
    bleu_for_captions,
    caption_references,
    caption_tokens,
    corpus_bleu,
)


def toks(sentence):
    return sentence.split()


def test_identity_is_one():
    sentence = toks("a red circle on a blue square")
    assert corpus_bleu([[sentence]], [sentence]) == pytest.approx(1.0, abs=1e-15)


def test_disjoint_is_zero():
    assert (
        corpus_bleu(
            [[toks("a red circle on a blue square")]], [toks("three green triangles near the top")]
        )
        == 0.0
    )


def test_no_smoothing_zero_four_gram_precision_gives_zero():
    # Unigram to trigram precisions are 1, but the 3-token hypothesis has no 4-grams.
    assert corpus_bleu([[toks("a red circle")]], [toks("a red circle")]) == 0.0
    # With max_n=3 the same pair scores 1.
    assert corpus_bleu([[toks("a red circle")]], [toks("a red circle")], max_n=3) == 1.0


def test_partial_match_bleu4():
    hyp = toks("a big red circle above a small blue square")
    ref = toks("a big red circle below a small blue square")
    # 1-grams: 8 of 9 match (only "above" misses)                      p1 = 8/9
    # 2-grams: 6 of 8 ("circle above", "above a" miss)                 p2 = 6/8
    # 3-grams: 4 of 7 ("a big red", "big red circle", "a small blue",
    #          "small blue square")                                     p3 = 4/7
    # 4-grams: 2 of 6 ("a big red circle", "a small blue square")      p4 = 2/6
    # Equal lengths, so BP = 1 and
    # BLEU = (8/9 * 6/8 * 4/7 * 2/6) ** (1/4) = (8/63) ** (1/4) = 0.596949179...
    assert corpus_bleu([[ref]], [hyp]) == pytest.approx((8 / 63) ** 0.25, rel=1e-12)
    assert corpus_bleu([[ref]], [hyp]) == pytest.approx(0.5969491792, rel=1e-9)


def test_corpus_level_sums_counts_before_dividing():
    hyps = [toks("a big red circle above a small blue square"), toks("x y z w v")]
    refs = [[toks("a big red circle below a small blue square")], [toks("x y z w v")]]
    # Second sentence is a perfect 5-token match: 5/5, 4/4, 3/3, 2/2 n-grams.
    # Corpus precisions: p1 = (8+5)/(9+5) = 13/14, p2 = (6+4)/(8+4) = 10/12,
    #                    p3 = (4+3)/(7+3) = 7/10,  p4 = (2+2)/(6+2) = 4/8
    # product = 13/14 * 10/12 * 7/10 * 4/8 = 13/48; c = r = 14, BP = 1
    # BLEU = (13/48) ** (1/4) = 0.721398988...
    # (the mean of the two sentence scores would be (0.5969 + 1) / 2 = 0.798 instead)
    assert corpus_bleu(refs, hyps) == pytest.approx((13 / 48) ** 0.25, rel=1e-12)


def test_brevity_penalty():
    # The hypothesis is the first 5 words of the 6-word reference: every precision is 1
    # (5/5, 4/4, 3/3, 2/2), c = 5, r = 6, BP = exp(1 - 6/5) = exp(-0.2) = 0.818730753...
    hyp = toks("the red circle is small")
    ref = toks("the red circle is small today")
    assert corpus_bleu([[ref]], [hyp]) == pytest.approx(math.exp(-0.2), rel=1e-12)
    assert corpus_bleu([[ref]], [hyp]) == pytest.approx(0.8187307531, rel=1e-9)


def test_brevity_uses_closest_reference_length():
    hyp = toks("a b c d e")
    # Reference lengths 9 and 6: the closest to c = 5 is 6, BP = exp(1 - 6/5).
    refs = [toks("a b c d e f g h i"), toks("a b c d e f")]
    assert corpus_bleu([refs], [hyp]) == pytest.approx(math.exp(-0.2), rel=1e-12)
    # Lengths 4 and 6 are equally close to 5; the shorter (4) wins, c > r, BP = 1.
    # The 5-gram-free hypothesis matches "a b c d e f" fully, so every p_n is 1.
    refs = [toks("a b c d"), toks("a b c d e f")]
    assert corpus_bleu([refs], [hyp]) == pytest.approx(1.0, abs=1e-15)
    # Longer than the reference: no penalty (and a precision below 1).
    # hyp 7 tokens vs ref 5: p1 = 5/7, p2 = 4/6, p3 = 3/5, p4 = 2/4
    # BLEU = (5/7 * 4/6 * 3/5 * 2/4) ** (1/4) = (1/7) ** (1/4)
    long_hyp = toks("a b c d e f g")
    assert corpus_bleu([[toks("a b c d e")]], [long_hyp]) == pytest.approx(
        (1 / 7) ** 0.25, rel=1e-12
    )


def test_clipping():
    # Papineni's example: "the" x7 against "the cat is on the mat" (the appears twice).
    # Clipped unigram precision = 2/7; c = 7 > r = 6 so BP = 1; BLEU-1 = 2/7.
    hyp = ["the"] * 7
    ref = toks("the cat is on the mat")
    assert corpus_bleu([[ref]], [hyp], max_n=1) == pytest.approx(2 / 7, rel=1e-12)
    # Counts are clipped by the most generous single reference, not the sum: a second
    # reference with three "the" raises the clip to 3 -> 3/7 (r is still 6, closest to 7).
    ref2 = toks("the the the dog")
    assert corpus_bleu([[ref, ref2]], [hyp], max_n=1) == pytest.approx(3 / 7, rel=1e-12)
    # Higher orders: "the the" occurs 6 times in hyp and twice in ref2 -> p2 = 2/6;
    # "the the the" 5 times in hyp and once in ref2 -> p3 = 1/5; no 4-gram of hyp
    # occurs in either reference -> p4 = 0, so BLEU-4 is 0.
    assert corpus_bleu([[ref, ref2]], [hyp]) == 0.0
    # With max_n = 3: (3/7 * 2/6 * 1/5) ** (1/3) = (1/35) ** (1/3)
    assert corpus_bleu([[ref, ref2]], [hyp], max_n=3) == pytest.approx(
        (1 / 35) ** (1 / 3), rel=1e-12
    )


def test_empty_and_invalid_inputs():
    assert corpus_bleu([], []) == 0.0
    assert corpus_bleu([[toks("a b c d")]], [[]]) == 0.0
    with pytest.raises(ValueError):
        corpus_bleu([[toks("a")]], [])
    with pytest.raises(ValueError):
        corpus_bleu([[]], [toks("a")])
    with pytest.raises(ValueError):
        corpus_bleu([[toks("a")]], [toks("a")], max_n=0)


def test_bleu_for_captions_strips_special_tokens():
    generated = [
        "<START> a big red circle above a small blue square <END>",
        "x y z w v <END> <NULL> <NULL>",
    ]
    references = [
        ["<START> a big red circle below a small blue square <END> <NULL>"],
        ["<START> x y z w v <END>", "<START> something else entirely <END>"],
    ]
    # After stripping, this is the corpus of test_corpus_level_sums_counts_before_dividing
    # (the extra reference shares no words and its length 3 is not the closest to 5).
    assert bleu_for_captions(generated, references) == pytest.approx((13 / 48) ** 0.25, rel=1e-12)
    assert bleu_for_captions(
        ["<START> a red circle <END>"], [["a red circle"]], max_n=3
    ) == pytest.approx(1.0)


def test_references_counted_once_score_every_set_as_corpus_bleu_does():
    refs = [
        [toks("a big red circle below a small blue square"), toks("a red circle")],
        [toks("x y z w v"), toks("x y x y x y")],
    ]
    counted = BleuReferences.count(refs)
    for hyps in (
        [toks("a big red circle above a small blue square"), toks("x y z w v")],
        [toks("a red circle"), toks("x y x y")],
        [toks("a red red red circle"), toks("x y z")],
    ):
        assert counted.score(hyps) == corpus_bleu(refs, hyps)
    assert (
        counted.score([toks("a big red circle below a small blue square"), toks("x y z w v")])
        == 1.0
    )
    with pytest.raises(ValueError, match="Got 2 reference sets for 1 hypotheses"):
        counted.score([toks("a red circle")])


def test_caption_references_count_the_words_of_the_captions():
    references = [["<START> a red circle <END> <NULL>"], ["<START> x y z <END>", "x y"]]
    generated = ["<START> a red circle <END>", "x y z <END> <NULL>"]
    assert caption_tokens(generated[1]) == ["x", "y", "z"]
    counted = caption_references(references, max_n=3)
    assert counted.score([caption_tokens(c) for c in generated]) == 1.0
    assert counted.score([caption_tokens(c) for c in generated]) == bleu_for_captions(
        generated, references, max_n=3
    )
