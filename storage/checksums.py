"""Rows as plain values that read the same from SQLite and PostgreSQL, and a checksum of a
table built from them: how `db copy` proves that the copy holds what the original held, and how
`people export` writes rows as JSON.

Each value is normalised before it is hashed: datetimes as UTC ISO 8601, dates ISO, floats by
`repr`, JSON canonical (sorted keys, no spaces), states by their value. A table's checksum adds
up its rows' hashes, so it does not depend on the order rows come back in (PostgreSQL and
SQLite sort text differently).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Table

_MODULUS = 2**256


def plain(value: Any) -> Any:
    """`value` as JSON can hold it, the same whichever database it came from."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plain_row(table: Table, row: Sequence[Any]) -> dict[str, Any]:
    """A row of `table` (its columns in order) as {column: plain value}. A JSON column's value
    stays a structure, with floats kept as numbers: it is what was stored, not a figure."""
    out: dict[str, Any] = {}
    for column, value in zip(table.columns, row, strict=True):
        if isinstance(column.type, JSON) and value is not None:
            out[column.name] = json.loads(canonical(value))
        else:
            out[column.name] = plain(value)
    return out


def row_hash(table: Table, row: Sequence[Any]) -> int:
    values = [plain(v) for v in row]
    digest = hashlib.sha256(canonical([table.name, *values]).encode()).digest()
    return int.from_bytes(digest, "big")


@dataclass
class TableSum:
    """A running count and checksum of one table's rows."""

    table: str
    rows: int = 0
    total: int = field(default=0, repr=False)

    def add(self, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.rows += 1
            self.total = (self.total + row_hash(table, row)) % _MODULUS

    @property
    def checksum(self) -> str:
        return f"{self.total:064x}"
