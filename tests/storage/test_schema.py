"""The migrations build exactly the schema the models describe, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from storage.db import Database, DatabaseUrlError, async_url
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
