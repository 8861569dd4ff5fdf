"""The bank holidays reminders skip, from the `holidays` package: data handed to the pure
calendar rules (`commands.domain.calendar`), which need nothing outside the standard library."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def england_and_wales(year: int) -> frozenset[date]:
    """Bank holidays in England and Wales (they share one list; Scotland's differs)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))
