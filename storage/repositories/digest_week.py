"""The readings a weekly digest reports on: what came in during its week, counted in the
database, with only the first few of each list read. A busy week is a thousand readings or
more; a digest shows eight of each list and says how many more there are.

One statement of three parts, each a walk of `ix_readings_submitted_at` over the week and, per
reading or outcome found there, a few lookups of `ix_readings_latest`. It is built once (per
length of list) and bound to each week: building it costs more than running it on a quiet week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Outcome, Reading
from storage.repositories._queries import READING_COLUMNS, newest_id
from storage.repositories.rows import ReadingRow
from storage.repositories.standing import NO_DATA

_START = bindparam("week_start", type_=Reading.submitted_at.type)
_END = bindparam("week_end", type_=Reading.submitted_at.type)


@dataclass(frozen=True)
class Received:
    """A reading of a period new in the week, as it stands now, and the figure before it (the
    current reading of the latest earlier period), if any."""

    reading: ReadingRow
    before_period: str | None
    before_value: float | None


@dataclass(frozen=True)
class DigestWeek:
    """The first of each of the digest's lists about the week's readings, and how many each
    has in all."""

    received: list[Received]
    received_total: int
    corrections: list[tuple[ReadingRow, float | None]]  # with the value each replaced
    corrections_total: int
    changes: list[tuple[int, str, str]]  # (outcome id, status before, after), road-map order
    changes_total: int


async def week_in(session: AsyncSession, start: datetime, end: datetime, first: int) -> DigestWeek:
    found: list[Any] = list(
        await session.execute(_statement(first), {"week_start": start, "week_end": end})
    )
    parts: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    totals = [0, 0, 0]
    for part, *reading, text, value, after, total, _ in found:
        totals[part] = int(total)
        parts[part].append((reading, text, value, after))
    return DigestWeek(
        [Received(ReadingRow(*r), text, value) for r, text, value, _ in parts[0]],
        totals[0],
        [(ReadingRow(*r), value) for r, _, value, _ in parts[1]],
        totals[1],
        [(r[1], before, after) for r, before, _, after in parts[2]],
        totals[2],
    )


@cache
def _statement(first: int) -> Any:
    """The three lists in one statement (a digest is allowed few): (part, the reading's columns,
    a text, a value, a second text, how many in all, rank in the list), ranked in each part."""
    parts = [_received(first), _corrections(first), _changes(first)]
    found = union_all(*(select(*part.subquery().c) for part in parts)).subquery()
    return select(*found.c).order_by(found.c.part, found.c.rank)


def _nothing(column: Any) -> Any:
    """NULL in a column of this type: PostgreSQL takes a bare NULL in a subquery as text."""
    return cast(null(), column.type)


def _within() -> tuple[Any, ...]:
    return (Reading.submitted_at >= _START, Reading.submitted_at < _END)


def _received(first: int) -> Any:
    """Each (outcome, period) that had no current reading when the week began and got one in
    it, in the order their first reading came in: its current reading now (the one received,
    if none is current now) and the current reading of the latest period before it, now."""
    ranked = (
        select(
            Reading.id,
            Reading.outcome_id,
            Reading.period_start,
            Reading.submitted_at,
            func.row_number()
            .over(
                partition_by=(Reading.outcome_id, Reading.period_start),
                order_by=(Reading.submitted_at, Reading.id),
            )
            .label("nth"),
        )
        .where(*_within())
        .subquery()
    )
    firsts = (
        select(
            ranked.c.id,
            ranked.c.outcome_id,
            ranked.c.period_start,
            ranked.c.submitted_at,
            func.count().over().label("total"),
            func.row_number().over(order_by=(ranked.c.submitted_at, ranked.c.id)).label("rank"),
        )
        .where(ranked.c.nth == 1, ~_held(ranked.c))
        .order_by(ranked.c.submitted_at, ranked.c.id)
        .limit(first)
        .subquery()
    )
    before = aliased(Reading)
    return (
        select(
            literal(0).label("part"),
            *READING_COLUMNS,
            before.period.label("extra_text"),
            before.value.label("extra_value"),
            _nothing(Reading.period).label("extra_after"),
            firsts.c.total,
            firsts.c.rank,
        )
        .select_from(firsts)
        .join(
            Reading,
            Reading.id
            == func.coalesce(
                # The period's current reading: one lookup of `ix_readings_latest`.
                newest_id(
                    firsts.c.outcome_id, 0, lambda r: (r.period_start == firsts.c.period_start,)
                ),
                firsts.c.id,
            ),
        )
        .outerjoin(
            before,
            before.id
            == newest_id(Reading.outcome_id, 0, lambda r: (r.period_start < Reading.period_start,)),
        )
    )


def _corrections(first: int) -> Any:
    """The readings of the week that corrected another, in the order they came in, each with
    the value it replaced."""
    replaced = aliased(Reading)
    return (
        select(
            literal(1).label("part"),
            *READING_COLUMNS,
            _nothing(Reading.period).label("extra_text"),
            replaced.value.label("extra_value"),
            _nothing(Reading.period).label("extra_after"),
            func.count().over().label("total"),
            func.row_number().over(order_by=(Reading.submitted_at, Reading.id)).label("rank"),
        )
        .outerjoin(replaced, replaced.id == Reading.supersedes_id)
        .where(*_within(), Reading.supersedes_id.is_not(None))
        .order_by(Reading.submitted_at, Reading.id)
        .limit(first)
    )


def _changes(first: int) -> Any:
    """(outcome id, status when the week began, status when it ended) of the outcomes whose
    status changed, in road-map order. Only an outcome with a reading in the week can have
    changed. Its status at a moment is the kept `path_status` of its latest reading current
    then (`NO_DATA` without one), so nothing is worked out again: that reading is the later of
    its latest reading current now that was in by then and its latest superseded since."""
    # Numbered here, where the planner knows the rows are few: PostgreSQL, joining the
    # outcomes to the statuses at the end, reckoned on a few hundred and compared every pair.
    touched = (
        select(Reading.outcome_id, Outcome.number)
        .join(Outcome, Outcome.id == Reading.outcome_id)
        .where(*_within())
        .distinct()
        .subquery()
    )
    candidates = select(
        touched.c.outcome_id,
        touched.c.number,
        *(
            candidate(touched.c.outcome_id, at).label(f"{name}_{when}")
            for when, at in (("start", _START), ("end", _END))
            for name, candidate in (("now", _current_then), ("old", _superseded_then))
        ),
    ).subquery()
    statuses = []
    joins = []
    for when in ("start", "end"):
        now, old = aliased(Reading), aliased(Reading)
        joins += [(now, candidates.c[f"now_{when}"]), (old, candidates.c[f"old_{when}"])]
        newer = and_(
            old.id.is_not(None),
            or_(
                now.id.is_(None),
                tuple_(old.period_start, old.submitted_at, old.id)
                > tuple_(now.period_start, now.submitted_at, now.id),
            ),
        )
        statuses.append(
            case((newer, old.path_status), (now.id.is_not(None), now.path_status), else_=NO_DATA)
        )
    kept = select(
        candidates.c.outcome_id,
        candidates.c.number,
        *(s.label(f"s{i}") for i, s in enumerate(statuses)),
    )
    for alias, on in joins:
        kept = kept.outerjoin(alias, alias.id == on)
    both = kept.subquery()
    return (
        select(
            literal(2).label("part"),
            *(
                both.c.outcome_id
                if column is Reading.outcome_id
                else _nothing(column).label(column.key)
                for column in READING_COLUMNS
            ),
            both.c.s0.label("extra_text"),
            _nothing(Reading.value).label("extra_value"),
            both.c.s1.label("extra_after"),
            func.count().over().label("total"),
            func.row_number().over(order_by=both.c.number).label("rank"),
        )
        .where(both.c.s0 != both.c.s1)
        .order_by(both.c.number)
        .limit(first)
    )


def _held(key: Any) -> Any:
    """Whether the (outcome, period) had a current reading when the week began: one still
    current, or one superseded since. Two lookups of `ix_readings_latest`, one per value of
    `is_current` (with either, it would walk all the outcome's readings)."""
    held = aliased(Reading)

    def of(*conditions: Any) -> Any:
        return exists().where(
            held.outcome_id == key.outcome_id,
            held.period_start == key.period_start,
            held.submitted_at < _START,
            *conditions,
        )

    return or_(
        of(held.is_current == true()),
        of(held.is_current == false(), held.superseded_at >= _START),
    )


def _current_then(outcome_id: Any, at: Any) -> Any:
    """The id of the outcome's latest reading current now that was already in at `at`."""
    return newest_id(outcome_id, 0, lambda r: (r.submitted_at < at,))


def _superseded_then(outcome_id: Any, at: Any) -> Any:
    """The id of the outcome's latest reading current at `at` and superseded since."""
    old = aliased(Reading)
    return (
        select(old.id)
        .where(
            old.outcome_id == outcome_id,
            old.is_current == false(),
            old.superseded_at >= at,
            old.submitted_at < at,
        )
        .order_by(old.period_start.desc(), old.submitted_at.desc(), old.id.desc())
        .limit(1)
        .scalar_subquery()
    )
