"""A PostgreSQL connection the server closed while it sat in the pool is found and replaced
before a unit of work is given it, when it sat there a while (`storage.idle_ping`); one used
moments before is not checked, and losing it fails one unit of work, which says the database is
not answering and writes nothing, and not the next."""

from datetime import datetime

import asyncpg
import pytest
from sqlalchemy import func, select, text

from storage.db import Database, DatabaseNotAnsweringError
from storage.models import EventReceipt
from storage.repositories import ReceiptRepository
from tests.conftest import LONDON
from tests.databases import POSTGRES_ADMIN_URL

AT = datetime(2026, 11, 26, 9, 0, tzinfo=LONDON)


async def _server_closes_the_pooled_connection(db: Database) -> None:
    """Use the pool's one connection, then have the server end it (and wait until it has)."""
    async with db.reading() as session:
        backend = await session.scalar(text("SELECT pg_backend_pid()"))
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", backend)
    finally:
        await admin.close()


async def _receive(db: Database, event_id: str) -> None:
    async with db.transaction() as session:
        assert await ReceiptRepository(session).first_time(event_id, "slack", AT)


async def _received(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(EventReceipt)) or 0)


async def test_a_connection_lost_while_idle_is_replaced_before_it_is_used(
    postgres_url: str,
) -> None:
    db = Database(postgres_url, ping_idle=0.0)  # every connection has sat long enough
    try:
        await _server_closes_the_pooled_connection(db)
        await _receive(db, "Ev1")  # stored, on a new connection
        assert await _received(db) == 1
    finally:
        await db.dispose()


async def test_a_connection_lost_moments_after_use_fails_one_unit_of_work_only(
    postgres_url: str,
) -> None:
    db = Database(postgres_url, ping_idle=3600.0)  # none has sat long enough
    try:
        await _server_closes_the_pooled_connection(db)
        with pytest.raises(DatabaseNotAnsweringError):
            await _receive(db, "Ev1")
        assert await _received(db) == 0
        await _receive(db, "Ev1")  # delivered again: stored this time
        assert await _received(db) == 1
    finally:
        await db.dispose()
