"""Reporting periods, one syntax per cadence.

    monthly         2025-03     (1 to 31 March 2025)
    quarterly       2025-Q1     (calendar quarters: January to March 2025)
    annual          2025        (calendar year)
    financial_year  2024/25     (1 April 2024 to 31 March 2025)
    academic_year   2024/25     (1 September 2024 to 31 August 2025)
    pooled_3y       2021-23     (1 January 2021 to 31 December 2023; also pooled_2y, pooled_5y)

Pooled periods are how small-area statistics such as life expectancy are published: several
calendar years together, a new period each year, so consecutive periods overlap (2021-23,
2022-24, ...). A period's successor is the next one published, whatever the cadence.

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
    ACADEMIC_YEAR = "academic_year"
    POOLED_2Y = "pooled_2y"
    POOLED_3Y = "pooled_3y"
    POOLED_5Y = "pooled_5y"


EXAMPLES: dict[Cadence, str] = {
    Cadence.MONTHLY: "2025-03",
    Cadence.QUARTERLY: "2025-Q1",
    Cadence.ANNUAL: "2025",
    Cadence.FINANCIAL_YEAR: "2024/25",
    Cadence.ACADEMIC_YEAR: "2024/25",
    Cadence.POOLED_2Y: "2022-23",
    Cadence.POOLED_3Y: "2021-23",
    Cadence.POOLED_5Y: "2019-23",
}

# What the example spans, where the form alone does not say (two cadences write 2024/25).
_SPANS: dict[Cadence, str] = {
    Cadence.FINANCIAL_YEAR: "1 April 2024 to 31 March 2025",
    Cadence.ACADEMIC_YEAR: "1 September 2024 to 31 August 2025",
    Cadence.POOLED_2Y: "1 January 2022 to 31 December 2023",
    Cadence.POOLED_3Y: "1 January 2021 to 31 December 2023",
    Cadence.POOLED_5Y: "1 January 2019 to 31 December 2023",
}

# How far one period starts after the one before it, in months.
_MONTHS_PER_STEP = {
    Cadence.MONTHLY: 1,
    Cadence.QUARTERLY: 3,
    Cadence.ANNUAL: 12,
    Cadence.FINANCIAL_YEAR: 12,
    Cadence.ACADEMIC_YEAR: 12,
    Cadence.POOLED_2Y: 12,
    Cadence.POOLED_3Y: 12,
    Cadence.POOLED_5Y: 12,
}

# The calendar years a pooled period covers; every other period spans one step.
POOLED_YEARS = {Cadence.POOLED_2Y: 2, Cadence.POOLED_3Y: 3, Cadence.POOLED_5Y: 5}

# The month a year-long period starts in.
_YEAR_STARTS = {Cadence.FINANCIAL_YEAR: 4, Cadence.ACADEMIC_YEAR: 9}

_PATTERNS = {
    Cadence.MONTHLY: re.compile(r"(\d{4})-(\d{2})"),
    Cadence.QUARTERLY: re.compile(r"(\d{4})-[Qq]([1-4])"),
    Cadence.ANNUAL: re.compile(r"(\d{4})"),
    Cadence.FINANCIAL_YEAR: re.compile(r"(\d{4})/(\d{2})"),
    Cadence.ACADEMIC_YEAR: re.compile(r"(\d{4})/(\d{2})"),
    Cadence.POOLED_2Y: re.compile(r"(\d{4})-(\d{2})"),
    Cadence.POOLED_3Y: re.compile(r"(\d{4})-(\d{2})"),
    Cadence.POOLED_5Y: re.compile(r"(\d{4})-(\d{2})"),
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
    span = f" ({_SPANS[cadence]})" if cadence in _SPANS else ""
    return f"{cadence.value} periods are written like {EXAMPLES[cadence]}{span}"


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Ordered by start date, so periods of one cadence sort in time."""

    start: date
    cadence: Cadence

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        months = 12 * POOLED_YEARS.get(self.cadence, 0) or _MONTHS_PER_STEP[self.cadence]
        last = _add_months(self.start, months - 1)
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
            case Cadence.FINANCIAL_YEAR | Cadence.ACADEMIC_YEAR:
                return f"{year}/{(year + 1) % 100:02d}"
            case Cadence.POOLED_2Y | Cadence.POOLED_3Y | Cadence.POOLED_5Y:
                return f"{year}-{self.end.year % 100:02d}"

    def next(self) -> Period:
        """The period published after this one (for a pooled cadence, one year later)."""
        return Period(_add_months(self.start, _MONTHS_PER_STEP[self.cadence]), self.cadence)

    def previous(self) -> Period:
        return Period(_add_months(self.start, -_MONTHS_PER_STEP[self.cadence]), self.cadence)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str, cadence: Cadence) -> Period:
    """Parse `text` as a period of `cadence`, or raise PeriodError naming the accepted form."""
    try:
        period = _parsed(text, cadence)
        period.end  # noqa: B018 - it must end in the calendar too: 9999/00 would end in 10000
    except PeriodError:
        raise
    except ValueError:  # year 0, or a year after 9999: no date, so no period
        raise PeriodError(f"'{text}' is not a period: {accepted_forms(cadence)}.") from None
    return period


def _parsed(text: str, cadence: Cadence) -> Period:
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
        case Cadence.FINANCIAL_YEAR | Cadence.ACADEMIC_YEAR:
            if int(match.group(2)) != (year + 1) % 100:
                kind = cadence.value.replace("_", " ")
                raise PeriodError(
                    f"'{text}' is not {'an' if kind[0] == 'a' else 'a'} {kind}: the second part "
                    f"is the year after the first, as in {year}/{(year + 1) % 100:02d}."
                )
            return Period(date(year, _YEAR_STARTS[cadence], 1), cadence)
        case Cadence.POOLED_2Y | Cadence.POOLED_3Y | Cadence.POOLED_5Y:
            years = POOLED_YEARS[cadence]
            last = year + years - 1
            if int(match.group(2)) != last % 100:
                raise PeriodError(
                    f"'{text}' is not a {years}-year period: it runs from its first year to its "
                    f"last, {years} calendar years in all, as in {year}-{last % 100:02d}."
                )
            return Period(date(year, 1, 1), cadence)


def period_containing(day: date, cadence: Cadence) -> Period:
    """The period `day` falls in. Pooled periods overlap, so for them it is the one that ends
    in `day`'s year: the first to be complete once `day` has passed."""
    match cadence:
        case Cadence.MONTHLY:
            return Period(date(day.year, day.month, 1), cadence)
        case Cadence.QUARTERLY:
            return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), cadence)
        case Cadence.ANNUAL:
            return Period(date(day.year, 1, 1), cadence)
        case Cadence.FINANCIAL_YEAR | Cadence.ACADEMIC_YEAR:
            first_month = _YEAR_STARTS[cadence]
            year = day.year if day.month >= first_month else day.year - 1
            return Period(date(year, first_month, 1), cadence)
        case Cadence.POOLED_2Y | Cadence.POOLED_3Y | Cadence.POOLED_5Y:
            return Period(date(day.year - POOLED_YEARS[cadence] + 1, 1, 1), cadence)


def last_ended(day: date, cadence: Cadence) -> Period:
    """The newest period that has ended before `day`: the one to offer as an example when
    someone names a period that has not ended yet."""
    return period_containing(day, cadence).previous()


def milestone_end(key: str, cadence: Cadence) -> date:
    """The date a milestone key stands for: its period's end, or 31 December of a plain year."""
    cleaned = key.strip()
    if re.fullmatch(r"\d{4}", cleaned) and int(cleaned) > 0:
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
