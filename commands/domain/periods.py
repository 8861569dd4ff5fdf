"""Reporting periods, one syntax per cadence.

    monthly         2025-03     (1 to 31 March 2025)
    quarterly       2025-Q1     (calendar quarters: January to March 2025)
    annual          2025        (calendar year)
    financial_year  2024/25     (1 April 2024 to 31 March 2025)

A milestone key may also be a plain year (`2028`), meaning 31 December of that year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Cadence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    FINANCIAL_YEAR = "financial_year"


EXAMPLES: dict[Cadence, str] = {
    Cadence.MONTHLY: "2025-03",
    Cadence.QUARTERLY: "2025-Q1",
    Cadence.ANNUAL: "2025",
    Cadence.FINANCIAL_YEAR: "2024/25",
}

_MONTHS_PER_PERIOD = {
    Cadence.MONTHLY: 1,
    Cadence.QUARTERLY: 3,
    Cadence.ANNUAL: 12,
    Cadence.FINANCIAL_YEAR: 12,
}

_PATTERNS = {
    Cadence.MONTHLY: re.compile(r"(\d{4})-(\d{2})"),
    Cadence.QUARTERLY: re.compile(r"(\d{4})-[Qq]([1-4])"),
    Cadence.ANNUAL: re.compile(r"(\d{4})"),
    Cadence.FINANCIAL_YEAR: re.compile(r"(\d{4})/(\d{2})"),
}


class PeriodError(ValueError):
    """A period or cadence the user wrote could not be understood; the message says why."""


def parse_cadence(text: str) -> Cadence:
    try:
        return Cadence(text.strip().lower())
    except ValueError:
        accepted = ", ".join(c.value for c in Cadence)
        raise PeriodError(f"'{text}' is not a cadence; use one of: {accepted}.") from None


def accepted_forms(cadence: Cadence) -> str:
    return f"{cadence.value} periods are written like {EXAMPLES[cadence]}"


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Ordered by start date, so periods of one cadence sort in time."""

    start: date
    cadence: Cadence

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        last = _add_months(self.start, _MONTHS_PER_PERIOD[self.cadence] - 1)
        return last.replace(day=calendar.monthrange(last.year, last.month)[1])

    @property
    def label(self) -> str:
        year = self.start.year
        match self.cadence:
            case Cadence.MONTHLY:
                return f"{year}-{self.start.month:02d}"
            case Cadence.QUARTERLY:
                return f"{year}-Q{(self.start.month - 1) // 3 + 1}"
            case Cadence.ANNUAL:
                return str(year)
            case Cadence.FINANCIAL_YEAR:
                return f"{year}/{(year + 1) % 100:02d}"

    def next(self) -> Period:
        return Period(_add_months(self.start, _MONTHS_PER_PERIOD[self.cadence]), self.cadence)

    def previous(self) -> Period:
        return Period(_add_months(self.start, -_MONTHS_PER_PERIOD[self.cadence]), self.cadence)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str, cadence: Cadence) -> Period:
    """Parse `text` as a period of `cadence`, or raise PeriodError naming the accepted form."""
    cleaned = text.strip()
    match = _PATTERNS[cadence].fullmatch(cleaned)
    if match is None:
        raise PeriodError(f"'{text}' is not a period: {accepted_forms(cadence)}.")
    year = int(match.group(1))
    match cadence:
        case Cadence.MONTHLY:
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise PeriodError(f"'{text}' has no month {month}: {accepted_forms(cadence)}.")
            return Period(date(year, month, 1), cadence)
        case Cadence.QUARTERLY:
            return Period(date(year, (int(match.group(2)) - 1) * 3 + 1, 1), cadence)
        case Cadence.ANNUAL:
            return Period(date(year, 1, 1), cadence)
        case Cadence.FINANCIAL_YEAR:
            if int(match.group(2)) != (year + 1) % 100:
                raise PeriodError(
                    f"'{text}' is not a financial year: the second part is the year after the "
                    f"first, as in {year}/{(year + 1) % 100:02d}."
                )
            return Period(date(year, 4, 1), cadence)


def period_containing(day: date, cadence: Cadence) -> Period:
    match cadence:
        case Cadence.MONTHLY:
            return Period(date(day.year, day.month, 1), cadence)
        case Cadence.QUARTERLY:
            return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), cadence)
        case Cadence.ANNUAL:
            return Period(date(day.year, 1, 1), cadence)
        case Cadence.FINANCIAL_YEAR:
            year = day.year if day.month >= 4 else day.year - 1
            return Period(date(year, 4, 1), cadence)


def milestone_end(key: str, cadence: Cadence) -> date:
    """The date a milestone key stands for: its period's end, or 31 December of a plain year."""
    cleaned = key.strip()
    if re.fullmatch(r"\d{4}", cleaned):
        return date(int(cleaned), 12, 31)
    try:
        return parse_period(cleaned, cadence).end
    except PeriodError:
        raise PeriodError(
            f"'{key}' is not a milestone: write a plain year like 2028 "
            f"or a period ({accepted_forms(cadence)})."
        ) from None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)
