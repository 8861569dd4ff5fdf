"""The numbers that name things (outcomes, actions, held figures), as people, buttons and forms
give them: ASCII digits only, and any length answered without a crash."""

from __future__ import annotations

import re

from commands.errors import UserError

_WHOLE = re.compile(r"[0-9]+")
# Longer than any number waymark stores (they fit in 10 digits), with room to say so plainly;
# Python refuses to read a number of more than 4,300 digits at all.
_LONGEST = 40


def is_whole(text: str) -> bool:
    """Whether `text` is a whole number written in ASCII digits. `²` and `٣` pass
    `str.isdigit()`, but `int()` refuses the first and nobody means the second."""
    return bool(_WHOLE.fullmatch(text))


def looks_like_a_number(text: str) -> bool:
    """Digits of some script (`²`, `½`, `٣`): a number was meant, but not one waymark reads."""
    return text.isnumeric()


def outcome_number(text: str) -> int:
    """The outcome number `text` gives (`12`, `#12`), or a UserError saying how to write one.
    A number too large to name any outcome is still a number: the lookup finds nothing."""
    digits = text.lstrip("#")
    if not is_whole(digits):
        raise UserError(f"'{text}' is not an outcome number: write it like 12.")
    if len(digits) > _LONGEST:
        raise UserError(
            f"There is no outcome {digits[:20]}…: outcome numbers are whole numbers like 12."
        )
    return int(digits)


def button_number(text: str) -> int | None:
    """The id a button or form carries, or None when it carries anything else."""
    return int(text) if is_whole(text) and len(text) <= _LONGEST else None
