"""Column types the models share: aware UTC datetimes, and states the database checks."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def state_column(states: type[StrEnum], name: str = "state") -> Enum:
    """A state column: VARCHAR(20), with a CHECK constraint (`ck_<table>_<name>`) so that the
    database itself refuses a state waymark does not know, whichever code wrote it. Values are
    stored as written (`pending`) and read back as members of `states`. The attributes are
    typed `str` while code outside storage still assigns plain strings: a StrEnum member equals
    its string, so both are stored alike."""
    return Enum(
        states,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )
