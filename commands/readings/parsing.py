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

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")


def parse_value(text: str) -> float:
    """A number as people type it: `23.4`, `23.4%`, `1,234`, `£1,200`."""
    cleaned = text.strip()
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    cleaned = cleaned.removesuffix("%").strip()
    if not _NUMBER.fullmatch(cleaned):
        raise UserError(
            f"'{text}' is not a number. Type the value on its own, "
            "like 23.4, 23.4%, 1,234 or £1,200."
        )
    return float(cleaned.replace(",", ""))


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


def split_period(words: tuple[str, ...]) -> tuple[str | None, str]:
    """`2025/26 provisional, ONS` -> ("2025/26", "provisional, ONS"). A first word that looks
    like a period (it starts with a four-digit year) is the period; the rest is the note."""
    if words and re.match(r"^\d{4}(?:$|[-/])", words[0]):
        return words[0], " ".join(words[1:])
    return None, " ".join(words)


# A word that starts like a number: a digit, a sign, a point or a pound sign.
_NUMBERISH = re.compile(r"^[£+\-.]?\d")


_OUTCOME_PREFIX = re.compile(r"^#?(\d{1,6}):(.*)$")


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
        and re.fullmatch(r"#?\d{1,6}", words[0])
        and _NUMBERISH.match(words[1])
        and not re.match(r"^\d{4}(?:$|[-/])", words[1])  # `12 2025/26` is a value and a period
    ):
        number, words = int(words[0].lstrip("#")), words[1:]
    if not words:
        raise UserError(f"Give the value after the outcome number, like `{number}: 23.4`.")
    if not _NUMBERISH.match(words[0]):
        if number is None and (len(words) > 1 or words[0].lower().strip(".,!") in _CHAT):
            return None
        raise UserError(
            f"I could not read '{words[0]}' as a number. Reply with the value on its own, like "
            "`23.4`, optionally followed by the period and a note: `23.4 2025/26 provisional`."
        )
    period_text, note = split_period(tuple(words[1:]))
    return ReadingText(number, words[0], period_text, note)
