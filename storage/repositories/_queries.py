"""Query pieces more than one repository builds on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Reading
from storage.repositories.rows import ReadingRow

READING_COLUMNS = (
    Reading.id,
    Reading.outcome_id,
    Reading.period,
    Reading.period_start,
    Reading.value,
    Reading.submitted_by,
    Reading.submitted_at,
    Reading.via,
    Reading.note,
    Reading.superseded_at,
    Reading.supersedes_id,
    Reading.state,
    Reading.approved_by,
    Reading.revision_reason,
    Reading.status,
    Reading.path_status,
)


def reading_rows(rows: Iterable[Any]) -> list[ReadingRow]:
    # Positional, in `READING_COLUMNS` order: a row of thousands is built per query.
    return [ReadingRow(*row) for row in rows]


def newest_id(
    outcome_id: Any, n: int, conditions: Callable[[Any], Sequence[Any]] = lambda _: ()
) -> Any:
    """The id of the outcome's (n+1)th newest current reading meeting `conditions(reading)`:
    one walk down `ix_readings_latest` from its newest period. (`= true`, not `IS true`:
    PostgreSQL uses an index only for the former.)"""
    newer = aliased(Reading)
    return (
        select(newer.id)
        .where(newer.outcome_id == outcome_id, newer.is_current == true(), *conditions(newer))
        .order_by(newer.period_start.desc())
        .limit(1)
        .offset(n)
        .scalar_subquery()
    )


def insert_or_ignore(session: AsyncSession, model: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's database; with RETURNING, only the
    rows this transaction inserted come back, so two replicas never both think they did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)
