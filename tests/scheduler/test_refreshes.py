"""Refreshing a reminder once its reading arrives, as the outbox does it: a refused or unclear
change is tried again with backoff (never looked for: changing twice is harmless), and a later
drawing replaces an earlier one that had not gone out yet."""

from __future__ import annotations

from datetime import datetime

from commands.context import get_outcome
from commands.domain.periods import Cadence, parse_period
from commands.ports import DeliveryError
from commands.presentation.replies import Section
from commands.readings.operators import approve_from_command_line
from commands.readings.recording import Via, record_reading
from scheduler.jobs import tick
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import OutboxRepository
from tests.scheduler.conftest import CHILDREN, LONDON, at, context, run
from tests.scheduler.fakes import FakeMessenger

ADMIN = "U0ADMIN"


async def give(db: Database, value: float, when: datetime, by: str = "U0CHILDLEAD") -> None:
    async with db.transaction() as session:
        await record_reading(
            session,
            outcome=await get_outcome(session, 13),
            value=value,
            period=parse_period("2025-Q4", Cadence.QUARTERLY),
            by=by,
            via=Via.THREAD,
            now=when,
            tz=LONDON,
        )


async def refresh_rows(db: Database) -> list[OutboxMessage]:
    async with db.reading() as session:
        return [r for r in await OutboxRepository(session).everything() if r.kind == "refresh"]


def received_words(messenger: FakeMessenger) -> list[str]:
    """What outcome 13's part of each redrawn reminder says, in order."""
    return [
        block.text
        for _, _, reply in messenger.channels.updates
        for block in reply.blocks
        if isinstance(block, Section) and (block.title or "").startswith("Outcome 13:")
    ]


async def test_a_refused_change_is_tried_again_later_and_made_once(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    posted = await run(ctx, [at("2026-03-02T10:00")])
    [reminder] = [p for _, p in posted if p.channel_id == CHILDREN]
    await give(roadmap, 88.1, at("2026-03-02T10:30"))
    messenger.failures[CHILDREN] = [DeliveryError("Slack refused: ratelimited", ambiguous=False)]

    report = await tick(ctx, at("2026-03-02T10:30"))
    assert report.lines(LONDON) == [
        f"Not done yet: Refresh the reminder for outcome 13 in {CHILDREN} (Slack refused: "
        "ratelimited); trying again from Mon 2 Mar 2026, 10:31."
    ]
    [row] = await refresh_rows(roadmap)
    assert (row.state, row.last_error) == ("pending", "Slack refused: ratelimited")
    assert row.not_before == at("2026-03-02T10:31")  # a minute after the first refusal
    await run(ctx, [at("2026-03-02T10:30"), at("2026-03-02T10:31"), at("2026-03-02T11:00")])

    assert [(c, m) for c, m, _ in messenger.channels.updates] == [(CHILDREN, reminder.message_id)]
    assert received_words(messenger) == [
        "The 2025-Q4 reading arrived on Mon 2 Mar 2026: 88.1%. Status now: At risk."
    ]
    assert len([p for p in messenger.sent if p.channel_id == CHILDREN]) == 1


async def test_an_unclear_failure_is_tried_again_not_looked_for(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    await run(ctx, [at("2026-03-02T10:00")])
    await give(roadmap, 88.1, at("2026-03-02T10:30"))
    messenger.failures[CHILDREN] = [DeliveryError("no answer from Slack", ambiguous=True)]

    await run(ctx, [at("2026-03-02T10:30")])
    [row] = await refresh_rows(roadmap)
    assert (row.state, row.look_first, row.posting) == ("pending", False, False)
    await run(ctx, [at("2026-03-02T10:35")])
    assert len(messenger.channels.updates) == 1
    assert [r.state for r in await refresh_rows(roadmap)] == ["sent"]


async def test_a_correction_before_the_pass_replaces_the_first_drawing(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    await run(ctx, [at("2026-03-02T10:00")])
    await give(roadmap, 88.1, at("2026-03-02T10:30"))
    await give(roadmap, 88.6, at("2026-03-02T10:40"))

    await run(ctx, [at("2026-03-02T11:00")])

    assert [w.split(". ")[0] for w in received_words(messenger)] == [
        "The 2025-Q4 reading arrived on Mon 2 Mar 2026: 88.6%"
    ]
    first, second = await refresh_rows(roadmap)
    assert (first.state, first.last_error) == (
        "sent",
        "nothing to do, a later change replaces it",
    )
    assert (second.state, second.last_error) == ("sent", None)


async def test_approving_the_reading_does_not_redraw_a_reminder_again(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    await run(ctx, [at("2026-03-02T10:00")])
    await give(roadmap, 95, at("2026-03-02T10:30"))  # on track: no commentary needed
    await run(ctx, [at("2026-03-02T10:30")])
    async with roadmap.transaction() as session:
        await approve_from_command_line(
            session,
            number=13,
            period_text="2025-Q4",
            by=ADMIN,
            admins=[ADMIN],
            now=at("2026-03-02T11:00"),
            tz=LONDON,
        )
    await run(ctx, [at("2026-03-02T11:00"), at("2026-03-02T12:00")])
    assert len(messenger.channels.updates) == 1  # a reminder says the same either way
    assert len(await refresh_rows(roadmap)) == 1
