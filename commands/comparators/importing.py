"""`waymark comparators import FILE`: comparator figures from waymark's own `comparators.csv`
(`outcome,period,area,value,source`) or from a CSV that OHID Fingertips produces (its data
download, or its `all_data/csv` API), whose indicators are matched to outcomes through the
`fingertips_indicator` column of outcomes.csv.

Every row is checked first and nothing is stored unless all are good; importing the same file
twice changes nothing."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.comparators import published_period
from commands.domain.periods import Cadence, PeriodError
from commands.errors import UserError
from commands.numbers import button_number
from commands.roadmap_files.rows import Problems
from storage.models import Outcome
from storage.report_models import Comparator
from storage.repositories import AuditRepository, ComparatorRepository, RoadmapRepository

COMPARATORS_FILE = "comparators.csv"  # beside outcomes.csv: `roadmap import` loads it too
WAYMARK_COLUMNS = ["outcome", "period", "area", "value", "source"]
FINGERTIPS_COLUMNS = ["Indicator ID", "Area Name", "Time period", "Value"]
FINGERTIPS_SOURCE = "OHID Fingertips, indicator {id}: https://fingertips.phe.org.uk/search/{id}"
# Fingertips' all-persons rows; an outcome mapped to a bare indicator takes these when the file
# holds several sexes for it.
PERSONS = "persons"


@dataclass(frozen=True)
class Figure:
    """One checked row: a figure for an outcome's measure in another area and period."""

    outcome: Outcome
    area: str
    period: str
    period_end: date
    value: float
    source: str


@dataclass
class ComparatorImport:
    """What an import did, for the person who ran it."""

    file_format: str
    stored: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    outcomes: set[int] = field(default_factory=set)

    def summary(self) -> str:
        done = ", ".join(f"{n} {what}" for what, n in sorted(self.stored.items())) or "nothing"
        words = f"{self.file_format}: {done} for {len(self.outcomes)} outcomes"
        if self.skipped:
            reasons = "; ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            words += f" (rows left out: {reasons})"
        return words


async def import_comparators(
    session: AsyncSession,
    path: Path,
    *,
    actor: str,
    now: datetime,
    areas: Collection[str] = (),
) -> ComparatorImport:
    """Store the figures in `path` (only those for `areas`, when given)."""
    header, rows = _read(path)
    outcomes = {o.number: o for o in await RoadmapRepository(session).outcomes()}
    problems = Problems()
    wanted = {a.strip().lower() for a in areas}
    if all(c in header for c in WAYMARK_COLUMNS):
        found = ComparatorImport("waymark comparators")
        figures = _waymark_figures(rows, outcomes, problems, path.name)
    elif all(c in header for c in FINGERTIPS_COLUMNS):
        found = ComparatorImport("Fingertips data")
        figures = _fingertips_figures(rows, outcomes.values(), problems, path.name, found)
    else:
        raise UserError(
            f"{path.name} is neither a waymark comparators file (columns "
            f"{','.join(WAYMARK_COLUMNS)}) nor a Fingertips data file (columns "
            f"{', '.join(FINGERTIPS_COLUMNS)}, ...)."
        )
    problems.raise_if_any()
    repository = ComparatorRepository(session)
    for figure in figures:
        if wanted and figure.area.lower() not in wanted:
            found.skipped["for other areas"] += 1
            continue
        changed = await repository.keep(
            Comparator(
                outcome_id=figure.outcome.id,
                area=figure.area,
                period=figure.period,
                period_end=figure.period_end,
                value=figure.value,
                source=figure.source,
                imported_by=actor,
                imported_at=now,
            )
        )
        found.stored["stored" if changed else "unchanged"] += 1
        found.outcomes.add(figure.outcome.number)
    await session.flush()
    AuditRepository(session).record(
        at=now,
        actor=actor,
        action="comparators.imported",
        subject=f"file:{path.name}",
        after={"stored": dict(found.stored), "outcomes": sorted(found.outcomes)},
    )
    return found


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.exists():
        raise UserError(f"There is no file {path}: give the path of a comparators CSV.")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    return header, rows


def _figure(outcome: Outcome, area: str, period_text: str, value_text: str, source: str) -> Figure:
    period = published_period(period_text, Cadence(outcome.cadence))
    if not area:
        raise ValueError("the area is missing: England, a region or a council's name")
    try:
        value = float(value_text.replace(",", "").rstrip("%"))
    except ValueError:
        raise ValueError(f"'{value_text}' is not a number") from None
    return Figure(outcome, area, period.label, period.end, value, source)


def _waymark_figures(
    rows: list[dict[str, str]], outcomes: dict[int, Outcome], problems: Problems, name: str
) -> list[Figure]:
    figures: list[Figure] = []
    for index, row in enumerate(rows, start=2):
        number = row.get("outcome", "")
        whole = button_number(number)  # `²` passes isdigit() but int() refuses it
        outcome = outcomes.get(whole) if whole is not None else None
        if outcome is None:
            problems.add(name, index, "outcome", f"'{number}' is not an outcome's number")
            continue
        try:
            figure = _figure(
                outcome, row.get("area", ""), row.get("period", ""), row.get("value", ""),
                row.get("source", ""),
            )  # fmt: skip
        except (PeriodError, ValueError) as error:
            problems.add(name, index, "period, area, value", str(error))
            continue
        figures.append(figure)
    return figures


def _fingertips_figures(
    rows: list[dict[str, str]],
    outcomes: Iterable[Outcome],
    problems: Problems,
    name: str,
    found: ComparatorImport,
) -> list[Figure]:
    """Rows of indicators that outcomes are mapped to: `90366` (every row of the indicator, or
    its persons' rows when the file holds several sexes) or `90366:Male` (that sex's rows).
    Rows for a category (deprivation deciles and the like) and rows without a value (Fingertips
    leaves suppressed figures blank) are left out."""
    sexes: dict[str, set[str]] = {}
    for row in rows:
        sexes.setdefault(row["Indicator ID"], set()).add(row.get("Sex", "").lower())
    figures: list[Figure] = []
    for index, row in enumerate(rows, start=2):
        indicator, sex = row["Indicator ID"], row.get("Sex", "").lower()
        matched = [o for o in outcomes if _maps(o, indicator, sex, sexes.get(indicator, set()))]
        if not matched:
            found.skipped["for indicators no outcome is mapped to"] += 1
            continue
        if row.get("Category Type"):
            found.skipped["for categories within an area"] += 1
            continue
        if not row["Value"]:
            found.skipped["without a value"] += 1
            continue
        source = FINGERTIPS_SOURCE.format(id=indicator)
        for outcome in matched:
            try:
                figure = _figure(
                    outcome, row["Area Name"], row["Time period"], row["Value"], source
                )
            except (PeriodError, ValueError) as error:
                problems.add(name, index, "Time period, Area Name, Value", str(error))
                continue
            figures.append(figure)
    return figures


def _maps(outcome: Outcome, indicator: str, sex: str, sexes_in_file: set[str]) -> bool:
    mapped = (outcome.fingertips_indicator or "").strip()
    if not mapped:
        return False
    wanted_id, _, wanted_sex = mapped.partition(":")
    if wanted_id.strip() != indicator:
        return False
    if wanted_sex:
        return sex == wanted_sex.strip().lower()
    return len(sexes_in_file) <= 1 or sex == PERSONS


__all__ = ["ComparatorImport", "PeriodError", "import_comparators"]
