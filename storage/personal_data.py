"""What waymark holds about one person, found from the declarations in
`storage.personal_columns` over every table there is: to give it to them (`rows_about`), or to
put a pseudonym in place of their id and name everywhere (`pseudonymise`), leaving every
figure, date and the rest of each row as it was."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Table,
    Text,
    cast,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import personal_columns as personal
from storage.checksums import plain_row
from storage.models import Base


@dataclass(frozen=True)
class PersonalColumn:
    table: Table
    column: Column[Any]
    kind: str  # personal_columns.ID, NAME or MENTIONED


def personal_columns(metadata: MetaData = Base.metadata) -> list[PersonalColumn]:
    """Every column declared to hold personal data, table by table (parents first)."""
    return [
        PersonalColumn(table, column, column.info[personal.KEY])
        for table in metadata.sorted_tables
        for column in table.columns
        if personal.KEY in column.info
    ]


def _of(table: Table, kind: str, metadata: MetaData) -> list[Column[Any]]:
    return [p.column for p in personal_columns(metadata) if p.table is table and p.kind == kind]


class Mentions:
    """Finds a person's id and names inside text, whole words only (`U1` is not in `U12`)."""

    def __init__(self, user_id: str, names: Iterable[str]) -> None:
        self.words = sorted({user_id, *(n for n in names if n.strip())}, key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in self.words)
        self.pattern = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])")

    def candidates(self, column: Column[Any]) -> ColumnElement[bool]:
        """A cheap first sieve in SQL (JSON is stored with non-ASCII letters escaped)."""
        needles = {w for word in self.words for w in (word, json.dumps(word)[1:-1])}
        return or_(*(cast(column, Text).contains(n, autoescape=True) for n in needles))

    def found_in(self, value: Any) -> bool:
        if isinstance(value, str):
            return self.pattern.search(value) is not None
        if isinstance(value, Mapping):
            return any(self.found_in(k) or self.found_in(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.found_in(v) for v in value)
        return False

    def replaced(self, value: Any, pseudonym: str) -> Any:
        if isinstance(value, str):
            return self.pattern.sub(pseudonym, value)
        if isinstance(value, Mapping):
            return {
                self.replaced(k, pseudonym): self.replaced(v, pseudonym) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.replaced(v, pseudonym) for v in value]
        return value


async def names_of(
    conn: AsyncConnection, user_id: str, metadata: MetaData = Base.metadata
) -> set[str]:
    """The names waymark has for the person with chat id `user_id`."""
    names: set[str] = set()
    for table in metadata.sorted_tables:
        ids, name_columns = _of(table, personal.ID, metadata), _of(table, personal.NAME, metadata)
        if not ids or not name_columns:
            continue
        theirs = or_(*(c == user_id for c in ids))
        for row in await conn.execute(select(*name_columns).where(theirs)):
            names.update(v for v in row if isinstance(v, str) and v.strip())
    return names


async def rows_about(
    conn: AsyncConnection, user_id: str, metadata: MetaData = Base.metadata
) -> dict[str, list[dict[str, Any]]]:
    """Every row that is about the person or names them, table by table, as plain values."""
    mentions = Mentions(user_id, await names_of(conn, user_id, metadata))
    found: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        ids = _of(table, personal.ID, metadata)
        mentioning = _of(table, personal.MENTIONED, metadata)
        if not ids and not mentioning:
            continue
        sieve = or_(
            false(),
            *(c == user_id for c in ids),
            *(mentions.candidates(c) for c in mentioning),
        )
        query = select(table).where(sieve).order_by(*table.primary_key.columns)
        rows = []
        for row in await conn.execute(query):
            record = row._mapping
            if any(record[c.key] == user_id for c in ids) or any(
                mentions.found_in(record[c.key]) for c in mentioning
            ):
                rows.append(plain_row(table, tuple(row)))
        if rows:
            found[table.name] = rows
    return found


async def pseudonymise(
    conn: AsyncConnection, user_id: str, pseudonym: str, metadata: MetaData = Base.metadata
) -> dict[str, int]:
    """Put `pseudonym` in place of the person's id and names in every declared column of every
    table; the rows changed, by table (tables with none left out)."""
    mentions = Mentions(user_id, await names_of(conn, user_id, metadata))
    changed: dict[str, set[tuple[Any, ...]]] = {}
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        touched = changed.setdefault(table.name, set())
        ids = _of(table, personal.ID, metadata)
        # Names first: the rows they are in are found by the id, which changes last.
        for column in _of(table, personal.NAME, metadata):
            if ids:
                theirs = or_(*(c == user_id for c in ids))
                for row in await conn.execute(select(*keys).where(theirs, column.is_not(None))):
                    touched.add(tuple(row))
                await conn.execute(update(table).where(theirs).values({column.key: pseudonym}))
        for column in _of(table, personal.MENTIONED, metadata):
            query = select(*keys, column).where(mentions.candidates(column))
            for row in (await conn.execute(query)).all():
                *key, value = row
                if not mentions.found_in(value):
                    continue
                at = [k == v for k, v in zip(keys, key, strict=True)]
                new = mentions.replaced(value, pseudonym)
                await conn.execute(update(table).where(*at).values({column.key: new}))
                touched.add(tuple(key))
        for column in ids:
            for row in await conn.execute(select(*keys).where(column == user_id)):
                touched.add(tuple(row))
            await conn.execute(
                update(table).where(column == user_id).values({column.key: pseudonym})
            )
    return {name: len(rows) for name, rows in changed.items() if rows}
