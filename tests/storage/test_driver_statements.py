"""Statements run through the driver (`storage.driver_statements`) behave as SQLAlchemy's own:
what they write reads back the same, they belong to the unit of work (rolled back with it, on
PostgreSQL too, where the driver's transaction begins late), a database that cancels one is
"not answering", statements are still counted, and a write that answers show is a change."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Executable, bindparam, event, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from storage.db import Database, DatabaseNotAnsweringError
from storage.driver_statements import DriverStatement
from storage.models import AuditEntry, EventReceipt, Outcome, Reading
from storage.publication_models import PeriodLock, Question, QuestionKind
from storage.repositories import (
    AuditRepository,
    LockRepository,
    ReadingRepository,
    ReceiptRepository,
)
from storage.repositories.readings import _SUPERSEDE
from tests.storage.test_states import add_outcome

AT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


async def _receipts(db: Database) -> list[str]:
    async with db.reading() as session:
        return list(await session.scalars(select(EventReceipt.event_id)))


async def _receive_then(
    db: Database, statement: DriverStatement, first: Executable | None = None
) -> None:
    """A unit of work that receives an event, then runs `statement` (after `first`)."""
    async with db.transaction() as session:
        await session.execute(first if first is not None else select(1))
        await ReceiptRepository(session).first_time("Ev2", "slack", AT)
        await statement.rows(session)


async def test_what_the_driver_writes_reads_back_as_sqlalchemys_own_writing(db: Database) -> None:
    after = {"value": 42.5, "period": "2026-02", "note": "ONS, revised"}
    async with db.transaction() as session:
        await session.execute(select(1))  # the driver's transaction is begun: it writes next
        await AuditRepository(session).insert(
            at=AT, actor="U1", action="reading.recorded", subject="outcome:1", after=after
        )
        AuditRepository(session).record(
            at=AT, actor="U1", action="reading.recorded", subject="outcome:2", after=after
        )
    async with db.reading() as session:
        written = {e.subject: e for e in await session.scalars(select(AuditEntry))}
        # Nothing before is written as the ORM writes it, so queries on it find both.
        stored = await session.execute(
            text("SELECT subject, before IS NULL FROM audit_log ORDER BY subject")
        )
        nulls = {subject: bool(null) for subject, null in stored}
    driven, orm = written["outcome:1"], written["outcome:2"]
    assert (driven.at, driven.after, driven.before) == (AT, after, None)
    assert (driven.at, driven.after, driven.before) == (orm.at, orm.after, orm.before)
    assert nulls["outcome:1"] == nulls["outcome:2"]


async def test_what_the_driver_reads_is_converted_by_the_columns_types(db: Database) -> None:
    """A lock's date and its list of outcomes, read through the driver, decide which period
    it covers: as stored text on SQLite, they would compare wrongly or not at all."""
    async with db.transaction() as session:
        await add_outcome(await session.connection())
        session.add(
            PeriodLock(through=date(2026, 3, 31), reason="Q4 report", locked_by="U9",
                       locked_at=AT, outcomes=[1])
        )  # fmt: skip
    async with db.transaction() as session:
        locks = LockRepository(session)
        found = await locks.covering(date(2026, 3, 31), 1)
        assert found is not None
        assert found.reason == "Q4 report"
        assert await locks.covering(date(2026, 4, 30), 1) is None  # after the lock's date
        assert await locks.covering(date(2026, 3, 31), 2) is None  # another outcome


@pytest.mark.parametrize("first", [True, False], ids=["first statement", "after another"])
async def test_a_driver_statement_is_rolled_back_with_its_unit_of_work(
    db: Database, first: bool
) -> None:
    """An event received in a unit of work that then fails is not taken as received: its
    platform delivers it again, and the reading it carries is not lost."""

    async def receive_then_fail() -> None:
        async with db.transaction() as session:
            if not first:
                await session.execute(select(1))
            assert await ReceiptRepository(session).first_time("Ev1", "slack", AT)
            raise RuntimeError("the reading could not be stored")

    with pytest.raises(RuntimeError):
        await receive_then_fail()
    assert await _receipts(db) == []
    async with db.transaction() as session:
        assert await ReceiptRepository(session).first_time("Ev1", "slack", AT)
        assert not await ReceiptRepository(session).first_time("Ev1", "slack", AT)
    assert await _receipts(db) == ["Ev1"]


async def test_a_statement_the_database_refuses_fails_the_whole_unit_of_work(db: Database) -> None:
    broken = DriverStatement(text("INSERT INTO no_such_table (id) VALUES (1)"))
    with pytest.raises(DBAPIError, match="no_such_table"):
        await _receive_then(db, broken)
    assert await _receipts(db) == []


async def test_a_statement_cancelled_by_its_deadline_means_the_database_is_not_answering(
    db: Database,
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no statement deadline: its waits are for the write lock")
    slow = DriverStatement(text("SELECT pg_sleep(2)"))
    with pytest.raises(DatabaseNotAnsweringError, match="statement timeout"):
        await _receive_then(db, slow, text("SET LOCAL statement_timeout = 50"))
    assert await _receipts(db) == []


async def test_driver_statements_are_counted_with_sqlalchemys(db: Database) -> None:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as session:
            await session.execute(select(1))
            seen.clear()
            await ReceiptRepository(session).first_time("Ev4", "slack", AT)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(seen) == 1
    assert "INSERT INTO event_receipts" in seen[0]


async def test_a_driver_write_to_what_answers_show_counts_as_a_change(db: Database) -> None:
    """Kept answers are redrawn after it, as after any other write they show."""
    async with db.transaction() as session:
        await add_outcome(await session.connection())
    retitle = DriverStatement(
        update(Outcome).where(Outcome.id == bindparam("outcome")).values(title=bindparam("title"))
    )
    before = db.changes.version
    async with db.transaction() as session:
        await session.execute(select(1))
        await retitle.rows(session, {"outcome": 1, "title": "More good jobs"})
    assert db.changes.version == before + 1
    async with db.reading() as session:
        assert await session.scalar(select(Outcome.title)) == "More good jobs"
        assert await session.scalar(select(func.count()).select_from(Outcome)) == 1


def _reading(source_key: str) -> dict[str, Any]:
    return {
        "outcome_id": 1, "period": "2026-02", "period_start": date(2026, 2, 1), "value": 101.0,
        "submitted_by": "U1", "submitted_at": AT, "via": "thread", "note": "",
        "source_key": source_key, "is_current": True, "superseded_at": None,
        "supersedes_id": None, "state": "provisional", "approved_by": None, "approved_at": None,
        "confirmed": False, "revision_reason": None, "status": "on_track", "expected": 100.0,
        "path_status": "on_track",
    }  # fmt: skip


async def test_a_second_reading_from_one_message_is_refused_as_sqlalchemy_refuses_it(
    db: Database,
) -> None:
    """Two deliveries of one message on two replicas at once: the database keeps one reading,
    and the other unit of work fails as any broken constraint does (it is delivered again,
    and then found read)."""
    async with db.transaction() as session:
        await add_outcome(await session.connection())
    given = _reading("slack:C1:1.2")
    async with db.transaction() as session:
        await session.execute(select(1))
        stored = await ReadingRepository(session).insert(given)
    with pytest.raises(IntegrityError):
        await _insert_reading(db, given | {"period": "2026-03", "period_start": date(2026, 3, 1)})
    async with db.reading() as session:
        readings = list(await session.scalars(select(Reading)))
    assert [(r.id, r.period, r.value, r.submitted_at) for r in readings] == [
        (stored.id, "2026-02", 101.0, AT)
    ]


async def _insert_reading(db: Database, values: dict[str, Any]) -> None:
    async with db.transaction() as session:
        await session.execute(select(1))
        await ReadingRepository(session).insert(values)


async def test_a_value_left_out_is_refused_rather_than_written_as_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await add_outcome(await session.connection())
    async with db.transaction() as session:
        await session.execute(select(1))
        stored = await ReadingRepository(session).insert(_reading("slack:C1:1.3"))
    with pytest.raises(StatementError, match="superseded"):
        await _supersede_without_a_date(db, stored.id)
    async with db.reading() as session:
        reading = await session.get(Reading, stored.id)
    assert reading is not None
    assert (reading.is_current, reading.superseded_at) == (True, None)


async def _supersede_without_a_date(db: Database, reading_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(select(1))
        await _SUPERSEDE.rows(session, {"reading_id": reading_id})


async def test_what_the_unit_of_work_has_not_written_yet_is_seen(db: Database) -> None:
    """A figure held in a question this unit of work added is found, as SQLAlchemy's own
    query would find it (the session is flushed first)."""
    async with db.transaction() as session:
        await add_outcome(await session.connection())
    async with db.transaction() as session:
        await session.execute(select(1))
        session.add(
            Question(kind=QuestionKind.CONFIRM, platform="slack", channel_id="C1",
                     thread_id="1.1", user_id="U1", outcome_id=1, period="2026-02",
                     value=101.0, via="thread", source_key="slack:C1:1.4", asked="Sure?",
                     asked_at=AT, expires_at=AT)
        )  # fmt: skip
        assert await ReadingRepository(session).given_or_held("slack:C1:1.4")


async def test_a_superseded_reading_loaded_before_says_so_too(db: Database) -> None:
    async with db.transaction() as session:
        await add_outcome(await session.connection())
        await session.execute(select(1))
        stored = await ReadingRepository(session).insert(_reading("slack:C1:1.5"))
    async with db.transaction() as session:
        readings = ReadingRepository(session)
        (loaded,) = await readings.history(1)
        around = await readings.around(1, date(2026, 2, 1), None)
        assert around.current is not None
        assert around.current is not loaded
        await readings.supersede(around.current, AT)
        assert (loaded.is_current, loaded.superseded_at) == (False, AT)
        assert [r.is_current for r in await readings.history(1)] == [False]
    assert stored.id == loaded.id


async def test_a_lost_connection_is_taken_as_the_database_not_answering(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("a SQLite file is not a connection to lose")
    counted = DriverStatement(text("SELECT nextval('waymark_changes')"), any_time=True)
    # As after a unit of work's commit (`ChangeWatch.count_after`): a session, no transaction.
    async with db.sessions() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        raw.driver_connection.terminate()  # type: ignore[union-attr]
        with pytest.raises(DBAPIError) as raised:
            await counted.rows(session)
    assert raised.value.connection_invalidated
    async with db.reading() as session:  # the pool gave the lost connection up
        assert await session.scalar(select(1)) == 1
