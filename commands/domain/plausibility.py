"""When a figure is far enough from the one before it that waymark asks whether it is right.

The rule, in one sentence: a figure more than three times, or less than a third of, the
outcome's reading for the nearest earlier period is questioned. A first reading has nothing to
be compared with, and a reference of zero or below says nothing about scale.
"""

from __future__ import annotations

import math

UNUSUAL_FACTOR = 3.0

_NUMBERS = {
    2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
    10: "ten", 11: "eleven", 12: "twelve", 100: "a hundred", 1000: "a thousand",
}  # fmt: skip
_FRACTIONS = {
    4: "a quarter", 5: "a fifth", 6: "a sixth", 7: "a seventh", 8: "an eighth", 9: "a ninth",
    10: "a tenth", 100: "a hundredth", 1000: "a thousandth",
}  # fmt: skip


def unusual_ratio(value: float, reference: float) -> float | None:
    """`value / reference` when the value is more than `UNUSUAL_FACTOR` times the reference or
    less than its `1 / UNUSUAL_FACTOR`; None when it is within, or the reference is not above 0."""
    if reference <= 0:
        return None
    ratio = value / reference
    if ratio > UNUSUAL_FACTOR or ratio < 1 / UNUSUAL_FACTOR:
        return ratio
    return None


def ratio_words(ratio: float) -> str:
    """How many times bigger or smaller, as people say it before "the last reading":
    `ten times`, `about six times`, `more than three times`, `a tenth of`, `less than a third
    of`, `far below` (for nothing or less)."""
    if ratio <= 0:
        return "far below"
    if ratio > 1:
        n = round(ratio)
        if n <= UNUSUAL_FACTOR:
            return "more than three times"
        words = _NUMBERS.get(n, f"{n:,}")
        return f"{words} times" if math.isclose(ratio, n) else f"about {words} times"
    n = round(1 / ratio)
    if n <= UNUSUAL_FACTOR:
        return "less than a third of"
    words = _FRACTIONS.get(n, f"1/{n:,}")
    return f"{words} of" if math.isclose(1 / ratio, n) else f"about {words} of"
