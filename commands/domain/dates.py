"""Dates as people type them in chat: `2027-03-31`, `31/03/2027`, `31 March 2027`, `March 2027`
(the month's last day) or `2027` (the year's last day). Standard library only."""

from __future__ import annotations

import calendar
import re
from datetime import date

FORMS = "2027-03-31, 31 March 2027 or March 2027"

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9


class DateError(ValueError):
    """Text that is not a date; the message says how to write one."""


def parse_day(text: str) -> date:
    """The day `text` names; a month or a year alone means its last day (a due date written
    `March 2027` is met by the end of March)."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower().replace(",", " ")).strip()
    found = _day(cleaned)
    if found is None:
        raise DateError(f"'{text.strip()}' is not a date: write it like {FORMS}.")
    return found


def _day(text: str) -> date | None:
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.? (\d{4})", text):
            month = _MONTHS.get(m[2])
            return date(int(m[3]), month, int(m[1])) if month else None
        if m := re.fullmatch(r"([a-z]+)\.? (\d{4})", text):
            month = _MONTHS.get(m[1])
            return _month_end(int(m[2]), month) if month else None
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            return _month_end(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 12, 31)
    except ValueError:  # 31 February, month 13
        return None
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
