"""Work put off until a unit of work is committed (`storage.commit_hooks`) runs once it is, once,
and never when it is rolled back; a savepoint inside it ends nothing."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.commit_hooks import after_commit
from storage.db import Database
from storage.repositories import ReceiptRepository

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def test_work_runs_once_the_unit_of_work_is_committed(db: Database) -> None:
    done: list[str] = []
    async with db.transaction() as session:
        after_commit(session, lambda: done.append("counted"))
        async with session.begin_nested():  # a savepoint released: not the end
            await ReceiptRepository(session).first_time("Ev1", "slack", AT)
        await session.execute(select(1))
        assert done == []
    assert done == ["counted"]


async def test_work_never_runs_when_the_unit_of_work_is_rolled_back(db: Database) -> None:
    done: list[str] = []

    async def fail() -> None:
        async with db.transaction() as session:
            after_commit(session, lambda: done.append("counted"))
            raise RuntimeError("the reading could not be stored")

    with pytest.raises(RuntimeError):
        await fail()
    async with db.transaction() as session:
        await ReceiptRepository(session).first_time("Ev2", "slack", AT)
    assert done == []


async def test_work_outlives_a_savepoint_rolled_back(db: Database) -> None:
    done: list[str] = []
    async with db.transaction() as session:
        after_commit(session, lambda: done.append("counted"))
        savepoint = await session.begin_nested()
        await ReceiptRepository(session).first_time("Ev3", "slack", AT)
        await savepoint.rollback()
        assert done == []
    assert done == ["counted"]
