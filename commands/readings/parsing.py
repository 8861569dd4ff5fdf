"""What people type as a reading: a value (`23.4`, `23.4%`, `1,234`, `£1,200`), a period, a note.

A thread reply may also name its outcome (`12: 23.4` or `12 23.4`, needed when the thread covers
several), and may be only chat ("thanks, will do"), which is left alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from commands.domain.periods import (
    Cadence,
    Period,
    PeriodError,
    accepted_forms,
    last_ended,
    parse_period,
)
from commands.domain.rules import due_period
from commands.domain.status import first_reportable, local_today
from commands.errors import UserError
from storage.models import Outcome

# ASCII digits only: `²` or `٣` are not figures anyone means to record.
_NUMBER = re.compile(r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[-+]?\.[0-9]+")
# Larger than any figure on the road map, and small enough to be stored and written exactly.
_LARGEST = 1e15
_POUNDS = {"GBP", "£"}


def parse_value(text: str, unit: str | None = None) -> float:
    """One figure as people type it: `23.4`, `23.4%`, `1,234`, `£1,200`. A `%` fits only a
    measure in %, a `£` only one in pounds; `unit` None (a file row) takes either. `-0` is 0."""
    cleaned = text.strip()
    pounds = cleaned.startswith("£")
    cleaned = cleaned.removeprefix("£")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%").strip()
    if not _NUMBER.fullmatch(cleaned) or (pounds and percent):
        raise UserError(
            f"'{text}' is not a number. Type the value on its own, like {_examples(unit)}."
        )
    if unit is not None and ((percent and unit != "%") or (pounds and unit not in _POUNDS)):
        sign = "%" if percent else "£"
        raise UserError(
            f"'{text}' has a {sign}, but this outcome is measured in {_unit_words(unit)}. "
            f"Type the value like {_examples(unit)}."
        )
    value = float(cleaned.replace(",", ""))
    if abs(value) >= _LARGEST:
        raise UserError(
            f"'{_shortened(text)}' is far larger than any figure on the road map. "
            f"Type the value like {_examples(unit)}."
        )
    return value + 0.0  # -0.0 + 0.0 is 0.0: nobody means "-0%"


def _examples(unit: str | None) -> str:
    if unit == "%":
        return "23.4 or 23.4%"
    if unit in _POUNDS:
        return "1,200 or £1,200"
    if unit is None:
        return "23.4, 23.4%, 1,234 or £1,200"
    return "23.4 or 1,234"


def _unit_words(unit: str) -> str:
    return {"count": "a count", "": "plain numbers"}.get(unit, unit)


def _shortened(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:20]}…"


def is_value(word: str) -> bool:
    """Whether `word` is a whole figure on its own (`9.1`, `£5`, `12%`), not the start of a note."""
    return bool(_NUMBER.fullmatch(word.removeprefix("£").removesuffix("%")))


def reading_period(outcome: Outcome, text: str | None, now: datetime, tz: tzinfo) -> Period:
    """The period a reading is for: the one written, or else the due period. Never the future."""
    cadence = Cadence(outcome.cadence)
    today = local_today(now, tz)
    if text:
        try:
            period = parse_period(text, cadence)
        except PeriodError as error:
            raise UserError(
                f"{error} Outcome {outcome.number} is reported {_cadence_words(cadence)}."
            ) from None
    else:
        due = due_period(first_reportable(outcome), outcome.lag_days, today)
        if due is None:
            raise UserError(
                f"No reading of outcome {outcome.number} is due yet, so say which period it is for "
                f"({accepted_forms(cadence)})."
            )
        period = due
    if period.end >= today:
        ended = last_ended(today, cadence)
        raise UserError(
            f"{period.label} has not ended yet (it ends on {period.end:%-d %B %Y}), so it cannot "
            f"have a reading. Give a period that has ended, like {ended.label}."
        )
    return period


def no_period_in_note(
    outcome: Outcome, value_text: str, note: str, now: datetime, tz: tzinfo
) -> None:
    """A figure given without a period is for the period due; a period it could be for (after
    the baseline, ended) written in its note, `31 for 2024/25`, means it was meant for that one
    instead: ask for it in its place, rather than record the figure for another period."""
    first, today = first_reportable(outcome), local_today(now, tz)
    for word in note.split():
        try:
            period = parse_period(word.strip(".,;:()"), Cadence(outcome.cadence))
        except PeriodError:
            continue
        if period < first or period.end >= today:
            continue
        raise UserError(
            f"Is {value_text} for {period.label}? Write the period straight after the figure: "
            f"`{value_text} {period.label}`, then any note. Nothing was recorded."
        )


def _cadence_words(cadence: Cadence) -> str:
    return {
        Cadence.MONTHLY: "monthly (2025-03)",
        Cadence.QUARTERLY: "quarterly (2025-Q1)",
        Cadence.ANNUAL: "every calendar year (2025)",
        Cadence.FINANCIAL_YEAR: "every financial year, April to March (2024/25)",
        Cadence.ACADEMIC_YEAR: "every academic year, September to August (2024/25)",
        Cadence.POOLED_2Y: "for two calendar years pooled, a new period each year (2022-23)",
        Cadence.POOLED_3Y: "for three calendar years pooled, a new period each year (2021-23)",
        Cadence.POOLED_5Y: "for five calendar years pooled, a new period each year (2019-23)",
    }[cadence]


# A word that starts with a four-digit year is a period: `2025`, `2024/25`, `2025-Q1`.
_YEAR = re.compile(r"^[0-9]{4}(?:$|[-/])")


def split_period(words: tuple[str, ...]) -> tuple[str | None, str]:
    """`2025/26 provisional, ONS` -> ("2025/26", "provisional, ONS"). A first word that looks
    like a period (it starts with a four-digit year) is the period; the rest is the note."""
    if words and _YEAR.match(words[0]):
        return words[0], " ".join(words[1:])
    return None, " ".join(words)


# A word that starts like a number: a digit, a sign, a point or a pound sign.
_NUMBERISH = re.compile(r"^[£+\-.]?[0-9]")


_OUTCOME_PREFIX = re.compile(r"^#?([0-9]{1,6}):(.*)$")


# Short replies that are conversation, not a failed attempt at a reading.
_CHAT = {
    "thanks", "thank", "ta", "ok", "okay", "cheers", "noted", "done", "sure", "great", "yes",
    "no", "will", "hi", "hello", "thx", "np", "+1", "👍", "🙏", "✅",
}  # fmt: skip


@dataclass(frozen=True)
class ReadingText:
    """What a reply says, before it is checked against the outcome."""

    number: int | None  # the outcome named in the reply, if it named one
    value_text: str
    period_text: str | None
    note: str


def read_reply(text: str) -> ReadingText | None:
    """The reading a reply seems to give, or None for chat. Raises UserError for something
    that looks like an attempt at a reading but cannot be read."""
    words = text.strip().split()
    if not words:
        return None
    number: int | None = None
    prefix = _OUTCOME_PREFIX.match(words[0])
    if prefix:
        number = int(prefix.group(1))
        words = ([prefix.group(2)] if prefix.group(2) else []) + words[1:]
    elif (
        len(words) >= 2
        and re.fullmatch(r"#?[0-9]{1,6}", words[0])
        and _NUMBERISH.match(words[1])
        and not _YEAR.match(words[1])  # `12 2025/26` is a value and a period
    ):
        number, words = int(words[0].lstrip("#")), words[1:]
    if not words:
        raise UserError(f"Give the value after the outcome number, like `{number}: 23.4`.")
    one_value(tuple(words))
    if not _NUMBERISH.match(words[0]):
        if number is None and (len(words) > 1 or words[0].lower().strip(".,!") in _CHAT):
            return None
        raise UserError(
            f"I could not read '{words[0]}' as a number. Reply with the value on its own, like "
            "`23.4`, optionally followed by the period and a note: `23.4 2025/26 provisional`."
        )
    period_text, note = split_period(tuple(words[1:]))
    return ReadingText(number, words[0], period_text, note)


def one_value(words: tuple[str, ...]) -> None:
    """Refuse `8.2 9.1`: two figures where one was meant, not a figure and a note."""
    if len(words) >= 2 and is_value(words[0]) and is_value(words[1]) and not _YEAR.match(words[1]):
        raise UserError(
            f"'{words[0]} {words[1]}' is two figures; give one. Type the value, then the period "
            f"and a note if you like: `{words[0]} 2025/26 provisional`."
        )
