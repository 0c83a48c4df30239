"""No hidden case expects what code without work returns: zeros, a constant, the starter code.

Such an output would earn points (and, for the loss, the overfit items' retry with the
reference loss) for nothing. So every reference output of every item and hidden case
differs from all-zeros and, when it has more than one element, from every constant array;
and every caption a sampling case expects differs, up to its first <END> as the judgement
compares them, from every constant caption (one token of the vocabulary repeated) and from
the captions of the starter code with its raise deleted.
"""

import types

import numpy as np
import pytest

from autograder.checks import probes
from autograder.checks.cases import VOCAB
from autograder.checks.hidden_cache import hidden_checks
from autograder.checks.items import ITEMS
from autograder.checks.judgements import equal_captions
from autograder.paths import REPO

SAMPLING = ["sample_rnn", "sample_lstm"]


@pytest.fixture(scope="module")
def checks():
    return hidden_checks([])


def trivially_matched(value: np.ndarray) -> bool:
    """Whether zeros or a constant array of the same shape equals an expected output."""
    if value.size > 1:
        return bool(np.all(value == value.flat[0]))
    return bool(np.all(value == 0))


def constant_captions_matched(captions: np.ndarray) -> list[int]:
    """The captions that some constant caption (one token repeated) equals, as judged."""
    return [
        row
        for row, caption in enumerate(captions)
        if any(
            equal_captions(np.full((1, caption.size), token), caption[None])[0]
            for token in range(len(VOCAB))
        )
    ]


def starter_model() -> types.ModuleType:
    """The release's model module with its raises deleted, as a student may hand it in."""
    source = (REPO / "cs231n" / "classifiers" / "rnn.py").read_text()
    module = types.ModuleType("starter_rnn")
    exec(
        compile(source.replace("raise NotImplementedError()", "pass"), "rnn.py", "exec"),
        vars(module),
    )
    return module


def test_no_reference_output_is_zeros_or_a_constant(checks):
    trivial = [
        (name, index, output)
        for name, cases in checks.expected.items()
        for index, expected in enumerate(cases)
        for output, value in expected.items()
        if trivially_matched(np.asarray(value))
    ]
    assert trivial == []


def test_the_check_finds_zeros_constants_and_a_zero_loss():
    assert trivially_matched(np.zeros((2, 3)))
    assert trivially_matched(np.full((4,), 0.25))
    assert trivially_matched(np.array(0.0))
    assert not trivially_matched(np.array(2.68))
    assert not trivially_matched(np.array([[1.0, 1.0], [1.0, 1.5]]))


@pytest.mark.parametrize("item", SAMPLING)
def test_no_expected_caption_is_a_constant_caption(checks, item):
    for index, expected in enumerate(checks.expected[item]):
        assert constant_captions_matched(expected["captions"]) == [], (item, index)


def test_a_constant_caption_is_found_up_to_the_first_end():
    captions = np.array([[4, 4, 4], [2, 5, 5], [4, 2, 0], [0, 0, 0], [5, 4, 5]])
    # "a a a", "<END>" and "<NULL> <NULL> <NULL>" are constant; "a <END>" and "red a red" not.
    assert constant_captions_matched(captions) == [0, 1, 3]


@pytest.mark.parametrize("item", SAMPLING)
def test_the_starter_sampler_matches_no_caption(checks, item):
    starter = types.SimpleNamespace(model=starter_model())
    for case, expected in zip(checks.cases[item], checks.expected[item], strict=True):
        inputs = {name: value.copy() for name, value in case.inputs.items()}
        got = probes.sample(starter, inputs, ITEMS[item].options, {})
        assert not any(equal_captions(got["captions"], expected["captions"]))


@pytest.mark.parametrize("item", SAMPLING)
def test_every_classic_sampling_mistake_changes_most_captions(checks, item):
    for number, mistake in enumerate(ITEMS[item].mistakes):
        changed = sum(
            not same
            for expected, mistaken in zip(checks.expected[item], checks.mistaken[item], strict=True)
            for same in equal_captions(mistaken[number]["captions"], expected["captions"])
        )
        assert changed >= 12, mistake.message
