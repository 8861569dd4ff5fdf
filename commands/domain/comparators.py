"""Comparator figures: another area's published value for an outcome's measure (England, the
region, statistical neighbours), read beside the road map's own reading and target.

Publishers write periods their own way; OHID Fingertips writes `2022/23`, `2023` and
`2021 - 23`. `published_period` reads those as periods of the outcome's cadence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.domain.periods import Cadence, Period, PeriodError, parse_period

# England first: it is what a committee reads the town against; then the rest alphabetically.
FIRST_AREA = "England"

_SPACED_JOINS = re.compile(r"\s*([-/])\s*")


@dataclass(frozen=True)
class Comparison:
    area: str
    period: str
    value: float
    period_end: date
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"area": self.area, "period": self.period, "value": self.value}


def published_period(text: str, cadence: Cadence) -> Period:
    """`text` as a publisher writes a period (`2021 - 23`, `2022/23`, `2023`, `2024-Q1`), read as
    a period of `cadence`; PeriodError when it is not one."""
    cleaned = _SPACED_JOINS.sub(r"\1", text.strip())
    quarter = re.fullmatch(r"(\d{4}) ?Q([1-4])", cleaned)
    if quarter:
        cleaned = f"{quarter.group(1)}-Q{quarter.group(2)}"
    return parse_period(cleaned, cadence)


def area_order(area: str) -> tuple[bool, str]:
    return (area != FIRST_AREA, area.lower())


def latest_by_area(figures: Iterable[Comparison], *, until: date | None = None) -> list[Comparison]:
    """Each area's latest figure (whose period ends by `until`, when given), England first."""
    latest: dict[str, Comparison] = {}
    for figure in figures:
        if until is not None and figure.period_end > until:
            continue
        kept = latest.get(figure.area)
        if kept is None or figure.period_end > kept.period_end:
            latest[figure.area] = figure
    return [latest[area] for area in sorted(latest, key=area_order)]


def ordered(figures: Iterable[Comparison]) -> list[Comparison]:
    """Figures by area (England first), oldest period first."""
    return sorted(figures, key=lambda f: (area_order(f.area), f.period_end))


__all__ = ["Comparison", "PeriodError", "latest_by_area", "ordered", "published_period"]
