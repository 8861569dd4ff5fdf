"""The migrations build exactly the schema the models describe, on both databases."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from storage.db import Database, DatabaseUrlError, alembic_config, async_url
from storage.models import Base


async def test_migrations_match_the_models(db: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_migrating_twice_changes_nothing(db: Database) -> None:
    await db.migrate()
    await db.migrate()


@pytest.mark.parametrize(
    ("written", "driver"),
    [
        ("sqlite:///waymark.db", "sqlite+aiosqlite"),
        ("postgresql://waymark@db.internal/roadmap", "postgresql+asyncpg"),
        ("postgres://waymark@db.internal/roadmap", "postgresql+asyncpg"),
        ("postgresql+asyncpg://waymark@db.internal/roadmap", "postgresql+asyncpg"),
    ],
)
def test_database_urls_as_people_write_them(written: str, driver: str) -> None:
    assert async_url(written).drivername == driver


@pytest.mark.parametrize("written", ["mysql://x@y/z", "not a url"])
def test_an_unsupported_database_url_says_what_to_write(written: str) -> None:
    with pytest.raises(DatabaseUrlError, match=r"sqlite:///waymark.db"):
        async_url(written)


async def test_upgrading_keeps_messages_that_may_have_been_posted_from_being_posted_again(
    db: Database,
) -> None:
    """Messages an older waymark left half-sent (`sending`), or gave up on after answers kept
    being lost (`failed`), are looked for, or left for an operator to look, before any repost."""

    def to(revision: str) -> Callable[[Connection], None]:
        def run(connection: Connection) -> None:
            if revision == "head":
                command.upgrade(alembic_config(connection), revision)
            else:
                command.downgrade(alembic_config(connection), revision)

        return run

    async with db.engine.begin() as conn:
        await conn.run_sync(to("0004"))
        for key, state in [("a", "sending"), ("b", "failed"), ("c", "pending"), ("d", "sent")]:
            await conn.execute(
                text(
                    "INSERT INTO outbox (key, kind, platform, channel_id, summary, payload, "
                    "state, not_before, attempts, created_at) VALUES (:key, 'reminder', "
                    "'slack', 'C1', 'a reminder', '{}', :state, :at, 3, :at)"
                ),
                {"key": key, "state": state, "at": datetime(2026, 3, 2, tzinfo=UTC)},
            )
        await conn.run_sync(to("head"))
        rows = await conn.execute(text("SELECT key, state, posting FROM outbox ORDER BY key"))
        assert [(key, state, bool(posting)) for key, state, posting in rows] == [
            ("a", "sending", True),
            ("b", "unconfirmed", True),
            ("c", "pending", False),
            ("d", "sent", False),
        ]
        await conn.execute(text("DELETE FROM outbox"))
