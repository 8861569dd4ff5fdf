"""When a figure is questioned: more than three times, or less than a third of, the one before."""

import pytest

from commands.domain.plausibility import ratio_words, unusual_ratio


@pytest.mark.parametrize(
    ("value", "reference", "questioned"),
    [
        (21840, 2184, True),  # ten times: the issue's own example
        (6552, 2184, False),  # exactly three times is within
        (6553, 2184, True),  # a little more is not
        (728, 2184, False),  # exactly a third is within
        (727, 2184, True),
        (57, 8.3, True),  # 6.9 times
        (0, 8.3, True),  # nothing where there was something
        (45, 41.2, False),
        (5, 0, False),  # a reference of zero says nothing about scale
        (5, -2, False),
    ],
)
def test_questioned_beyond_three_times_either_way(
    value: float, reference: float, questioned: bool
) -> None:
    assert (unusual_ratio(value, reference) is not None) is questioned


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (10.0, "ten times"),
        (21840 / 2184, "ten times"),
        (57 / 8.3, "about seven times"),
        (3.2, "more than three times"),
        (100.0, "a hundred times"),
        (25.0, "25 times"),
        (0.1, "a tenth of"),
        (0.3, "less than a third of"),
        (0.26, "about a quarter of"),
        (0.04, "1/25 of"),
        (0.0, "far below"),
    ],
)
def test_the_ratio_in_words(ratio: float, words: str) -> None:
    assert ratio_words(ratio) == words
