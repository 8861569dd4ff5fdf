"""Fresh databases for a run, never the user's: a SQLite file in a temporary folder, and a new
PostgreSQL database on the server named by WAYMARK_BENCH_POSTGRES_URL, by DATABASE_URL when it
is a PostgreSQL URL, or else at 127.0.0.1:5432 (as the tests use). Each is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


class PostgresUnavailableError(Exception):
    pass


def postgres_server_url() -> str:
    """A URL to connect to the PostgreSQL server as someone who may create databases."""
    explicit = os.environ.get("WAYMARK_BENCH_POSTGRES_URL")
    if explicit:
        return explicit
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgresql", "postgres:")):
        return str(make_url(configured).set(drivername="postgresql").render_as_string(False))
    return LOCAL_POSTGRES


async def postgres_available() -> str | None:
    """None when a PostgreSQL server answers; otherwise why not."""
    url = postgres_server_url()
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        return f"no PostgreSQL at {_shown(url)}: {error}"
    await conn.close()
    return None


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _shown(url: str) -> str:
    return str(make_url(url).render_as_string(hide_password=True))


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database (not yet migrated), removed when the block ends."""
    if backend == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    server = postgres_server_url()
    name = f"waymark_bench_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(server, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        raise PostgresUnavailableError(f"no PostgreSQL at {_shown(server)}: {error}") from error
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield str(url)
    finally:
        conn = await asyncpg.connect(server, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
