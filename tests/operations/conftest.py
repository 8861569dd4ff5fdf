"""Databases for the operations tests: SQLite files made here, and the run's PostgreSQL database
emptied for the test that asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import PostgresTarget
from tests.databases import empty
from tests.operations.history import build_history


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


@pytest.fixture
async def lived_in(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database holding the example road map and months of use."""
    db = Database(f"sqlite:///{tmp_path / 'lived-in.db'}")
    await db.migrate()
    await build_history(db)
    try:
        yield db
    finally:
        await db.dispose()
