"""Real databases for tests: a SQLite file per test, and one PostgreSQL database per run that
each test empties first. PostgreSQL tests skip with a reason when no server answers, except in
CI, where a missing server is a failure."""

from __future__ import annotations

import os
import uuid

import asyncpg
from sqlalchemy import text

from storage.db import Database
from storage.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "WAYMARK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class PostgresUnavailableError(Exception):
    pass


async def create_postgres_database(*, migrated: bool = True) -> str:
    """A fresh PostgreSQL database for this test run, migrated unless asked for it empty;
    returns its URL."""
    name = f"waymark_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        raise PostgresUnavailableError(f"no PostgreSQL at {POSTGRES_ADMIN_URL}: {error}") from error
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    if not migrated:
        return url
    db = Database(url)
    await db.migrate()
    await db.dispose()
    return url


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def empty(db: Database) -> None:
    """Remove every row left by an earlier test (the schema stays migrated)."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
