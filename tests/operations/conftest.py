"""Databases for the operations tests: a lived-in SQLite database built once per run and copied
for each test that wants one, and the run's PostgreSQL database emptied for the test."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import _in_thread
from tests.operations.history import build_history


async def _build(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
        await build_history(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def lived_in_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example road map and months of use (`tests.operations.history`), built once."""
    path = tmp_path_factory.mktemp("history") / "lived-in.db"
    _in_thread(_build(f"sqlite:///{path}"))
    return path


@pytest.fixture
def lived_in_url(lived_in_template: Path, tmp_path: Path) -> str:
    """A copy of the lived-in database of this test's own."""
    path = tmp_path / "lived-in.db"
    with (
        closing(sqlite3.connect(lived_in_template)) as source,
        closing(sqlite3.connect(path)) as copy,
    ):
        source.backup(copy)
    return f"sqlite:///{path}"


@pytest.fixture
async def lived_in(lived_in_url: str) -> AsyncIterator[Database]:
    db = Database(lived_in_url)
    try:
        yield db
    finally:
        await db.dispose()
