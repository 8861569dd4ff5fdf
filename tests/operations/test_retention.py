"""Operational records with no lasting value (event receipts, posted messages' words, expired
questions) go after WAYMARK_RETENTION_DAYS; readings and the audit log never do. The scheduler
does it once a day, and replicas doing it too is harmless."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from commands.domain.calendar import Timetable
from commands.reminders.bank_holidays import england_and_wales
from scheduler.jobs import Housekeeping, JobContext, tick
from storage.db import Database
from storage.models import AuditEntry, EventReceipt, OutboxMessage, OutboxState, Reading
from storage.publication_models import Question
from tests.operations.history import LONDON, MONDAY, build_history


def jobs(db: Database, housekeeping: Housekeeping) -> JobContext:
    return JobContext(
        db=db,
        messengers={},  # what waits keeps waiting
        timetable=Timetable(LONDON, bank_holidays=england_and_wales),
        housekeeping=housekeeping,
    )


async def held(db: Database) -> dict[str, int]:
    async with db.reading() as session:

        async def count(model: type, *where: object) -> int:
            query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
            return int(await session.scalar(query) or 0)

        outbox = OutboxMessage.__table__.c
        return {
            "receipts": await count(EventReceipt),
            "readings": await count(Reading),
            "audit": await count(AuditEntry),
            "outbox": await count(OutboxMessage),
            "questions": await count(Question),
            "sent with words": len(
                [
                    p
                    for p in await session.scalars(
                        select(outbox.payload).where(outbox.state == OutboxState.SENT)
                    )
                    if p
                ]
            ),
            "waiting with words": len(
                [
                    p
                    for p in await session.scalars(
                        select(outbox.payload).where(outbox.state != OutboxState.SENT)
                    )
                    if p
                ]
            ),
        }


async def test_expired_receipts_posted_words_and_questions_go_once_a_day_and_nothing_else(
    db: Database,
) -> None:
    await build_history(db)
    start = await held(db)
    assert start["receipts"] == 2
    # With the stale action 18.1's reminder, and the two redrawings of outcome 13's shared card
    # (its reading, then the correction), done: the card was not one the messenger posted.
    assert start["sent with words"] == 12
    assert start["waiting with words"] == 3
    assert start["questions"] == 1  # the leaver's commentary, asked for on 26 Nov for 7 days

    # At night, when no reminder is due: the ticks only keep house.
    night = MONDAY.replace(hour=3)
    daily = Housekeeping(days=90)
    await tick(jobs(db, daily), night + timedelta(days=30))
    assert await held(db) == start  # nothing is old enough yet
    assert daily.done_on is not None

    later = night + timedelta(days=91)
    await tick(jobs(db, daily), later)
    removed = await held(db)
    assert removed == {**start, "receipts": 0, "sent with words": 0}
    assert daily.done_on == later.astimezone(LONDON).date()

    # Another replica, the same day: what the first removed is gone, and nothing else goes.
    other = Housekeeping(days=90)
    await tick(jobs(db, other), later + timedelta(minutes=1))
    assert await held(db) == removed

    # The question ran out on 3 December: 90 days after that it goes too (the audit log keeps
    # what was asked and what became of it).
    await tick(jobs(db, daily), later + timedelta(days=3))
    assert await held(db) == {**removed, "questions": 0}
