"""Fixtures shared by every test: real databases on both backends, and time as a fixture."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from tests.databases import (
    PostgresUnavailableError,
    create_postgres_database,
    drop_postgres_database,
    empty,
)

T = TypeVar("T")

LONDON = ZoneInfo("Europe/London")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class PostgresTarget:
    url: str | None
    reason: str = ""


def _in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    # Session set-up runs inside a test's event loop; a thread has none of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresTarget]:
    """One PostgreSQL database for the whole run, created and migrated once, dropped at the end."""
    try:
        target = PostgresTarget(_in_thread(create_postgres_database()))
    except PostgresUnavailableError as error:
        if IN_CI:
            pytest.fail(f"CI must test PostgreSQL too, but {error}")
        target = PostgresTarget(None, f"PostgreSQL tests skipped: {error}")
    yield target
    if target.url:
        _in_thread(drop_postgres_database(target.url))


@pytest.fixture
async def postgres_url(postgres: PostgresTarget) -> str:
    """The run's PostgreSQL database, migrated and emptied."""
    if postgres.url is None:
        pytest.skip(postgres.reason)
    db = Database(postgres.url)
    try:
        await empty(db)
    finally:
        await db.dispose()
    return postgres.url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database; every test that takes it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'waymark.db'}")
        await database.migrate()
    else:
        target: PostgresTarget = request.getfixturevalue("postgres")
        if target.url is None:
            pytest.skip(target.reason)
        database = Database(target.url)
        await empty(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def now() -> datetime:
    """The moment tests happen at, unless they say otherwise: Thursday 26 November 2026, noon."""
    return datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def tz() -> ZoneInfo:
    return LONDON
