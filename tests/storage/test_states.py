"""Outbox, reminder and digest states: the database itself refuses one waymark does not know,
and upgrading a database keeps every row it had, in every state."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database, alembic_config
from storage.models import (
    Area,
    DigestRun,
    DigestState,
    OutboxMessage,
    OutboxState,
    Outcome,
    Reminder,
    ReminderState,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def add_outcome(conn: Any) -> None:
    await conn.execute(insert(Area).values(id=1, slug="economy", name="Economy", position=0))
    await conn.execute(
        insert(Outcome).values(
            id=1,
            number=40,
            title="More local jobs",
            area_id=1,
            measure="Jobs",
            unit="jobs",
            polarity="up",
            cadence="monthly",
            lag_days=20,
            baseline_period="2025-01",
            baseline_value=100.0,
            milestones=[],
            tolerance="5%",
            source="",
        )
    )


def add_outbox(key: str, state: str) -> Any:
    return text(
        "INSERT INTO outbox (key, kind, platform, channel_id, summary, payload, state, "
        "not_before, attempts, posting, look_first, created_at) VALUES (:key, 'reminder', "
        "'slack', 'C1', 'a reminder', '{}', :state, :at, 1, false, false, :at)"
    ).bindparams(key=key, state=state, at=AT)


def add_reminder(period: str, state: str, outbox_id: int | None) -> Any:
    return text(
        "INSERT INTO reminders (outcome_id, period, level, state, outbox_id, planned_at) "
        "VALUES (1, :period, 1, :state, :outbox_id, :at)"
    ).bindparams(period=period, state=state, outbox_id=outbox_id, at=AT)


def add_digest(week_start: date, state: str, outbox_id: int | None) -> Any:
    return text(
        "INSERT INTO digests (channel_id, week_start, state, outbox_id, planned_at) "
        "VALUES ('C1', :week_start, :state, :outbox_id, :at)"
    ).bindparams(week_start=week_start, state=state, outbox_id=outbox_id, at=AT)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(lambda: add_outbox("k", "lost"), id="outbox"),
        pytest.param(lambda: add_reminder("2026-01", "sent", None), id="reminders"),
        pytest.param(lambda: add_digest(date(2026, 3, 2), "posted", None), id="digests"),
    ],
)
async def test_the_database_refuses_a_state_waymark_does_not_know(
    db: Database, row: Callable[[], Any]
) -> None:
    async with db.engine.begin() as conn:
        await add_outcome(conn)
    with pytest.raises(IntegrityError, match=r"(?i)check"):
        async with db.engine.begin() as conn:
            await conn.execute(row())
    async with db.reading() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
        assert (await session.scalars(select(Reminder))).all() == []
        assert (await session.scalars(select(DigestRun))).all() == []


async def test_an_unknown_state_written_through_the_models_is_refused_too(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(add_outbox("k", OutboxState.PENDING))

    async def change_state(to: str) -> None:
        async with db.transaction() as session:
            row = await session.scalar(select(OutboxMessage))
            assert row is not None
            row.state = to

    with pytest.raises(IntegrityError):
        await change_state("delivered")
    async with db.reading() as session:
        row = await session.scalar(select(OutboxMessage))
        assert row is not None
        # Read back as a member of the enum, which still equals the string it is stored as.
        assert row.state == "pending"
        assert row.state is OutboxState.PENDING


async def test_the_check_constraints_are_named_as_the_models_name_them(db: Database) -> None:
    def names(connection: Connection) -> dict[str, list[str | None]]:
        inspector = inspect(connection)
        return {
            table: [c["name"] for c in inspector.get_check_constraints(table)]
            for table in ("outbox", "reminders", "digests")
        }

    async with db.engine.connect() as conn:
        assert await conn.run_sync(names) == {
            "outbox": ["ck_outbox_state"],
            "reminders": ["ck_reminders_state"],
            "digests": ["ck_digests_state"],
        }


async def test_upgrading_keeps_rows_in_every_state(db: Database) -> None:
    """A database at 0005 with rows in every state, reminders and digests pointing at their
    outbox rows, comes through the upgrade with every row as it was."""

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0005")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    try:
        async with db.engine.begin() as conn:
            await add_outcome(conn)
            for n, outbox_state in enumerate(OutboxState, start=1):
                await conn.execute(add_outbox(f"key-{n}", outbox_state.value))
            for n, reminder_state in enumerate(ReminderState, start=1):
                await conn.execute(add_reminder(f"2026-0{n}", reminder_state.value, n))
            for n, digest_state in enumerate(DigestState, start=1):
                await conn.execute(add_digest(date(2026, 3, 2 + 7 * n), digest_state.value, n))

        await db.migrate()

        async with db.engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            outbox = await conn.execute(text("SELECT id, key, state FROM outbox ORDER BY id"))
            reminders = await conn.execute(
                text("SELECT period, state, outbox_id FROM reminders ORDER BY period")
            )
            digests = await conn.execute(
                text("SELECT week_start, state, outbox_id FROM digests ORDER BY week_start")
            )
            # Upgraded to the newest revision, whichever that is now.
            assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert [tuple(r) for r in outbox] == [
                (1, "key-1", "pending"),
                (2, "key-2", "sending"),
                (3, "key-3", "sent"),
                (4, "key-4", "failed"),
                (5, "key-5", "unconfirmed"),
            ]
            assert [tuple(r) for r in reminders] == [
                ("2026-01", "posted", 1),
                ("2026-02", "superseded", 2),
            ]
            assert [(str(w)[:10], s, o) for w, s, o in digests] == [
                ("2026-03-09", "on_time", 1),
                ("2026-03-16", "late", 2),
                ("2026-03-23", "skipped", 3),
            ]
        # SQLite copied the tables to add their constraints: foreign keys are enforced again.
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(add_reminder("2027-01", "posted", 99))
    finally:
        await db.migrate()


async def test_upgrading_stops_at_a_state_waymark_does_not_know(db: Database) -> None:
    """A row whose state no waymark wrote stops the upgrade with a message saying which, and
    the database is left as it was."""

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0005")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(add_outbox("a", "pending"))
            await conn.execute(add_outbox("b", "delivered"))
        with pytest.raises(RuntimeError, match=r"outbox has rows in states .*\(delivered\)"):
            await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
            assert await conn.scalar(text("SELECT count(*) FROM outbox")) == 2
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM outbox"))
        await db.migrate()
