"""Answers kept in memory are never out of date for the replica that wrote, and another
replica's write is seen at its next look at the change count (every half second when serving);
bookkeeping (the outbox, receipts) leaves kept answers alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.answer_cache import look
from commands.comparators.importing import COMPARATORS_FILE, import_comparators
from commands.conversations import Core
from commands.events import Command
from commands.outcomes.warming import warm
from commands.presentation.replies import Reply
from commands.roadmap_files.importing import import_roadmap
from config import EXAMPLE_ROADMAP
from storage.db import Database
from storage.repositories import ReceiptRepository, RoadmapRepository
from tests.factories import load_roadmap


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def ask(core: Core, text: str) -> str:
    return (await core.command(Command("slack", "C0ASKED", "U0ASKER", text))).fallback


async def submit(core: Core, text: str) -> str:
    return (await core.command(Command("slack", "C0ASKED", "U0ADMIN", text))).fallback


async def test_a_kept_card_is_never_out_of_date_for_the_replica_that_wrote(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    before = await ask(core, "12")
    assert await ask(core, "12") == before
    assert core.answers.hits == 1
    said = await submit(core, "12 submit 29.5 2025/26 confirm")
    assert said.startswith("Recorded"), said
    after = await ask(core, "12")
    assert "29.5%" in after
    assert after != before


async def test_bookkeeping_writes_leave_kept_answers_alone(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset())
    await ask(core, "list")
    async with db.transaction() as session:
        await ReceiptRepository(session).first_time("Ev0BOOKKEEPING", "slack", now)
    await ask(core, "list")
    assert core.answers.hits == 1


async def test_another_replicas_write_is_seen_at_the_next_look(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    other = Database(db.url.render_as_string(hide_password=False))
    try:
        await look(db)
        core = Core(db, clock=Clock(now), tz=tz, admins=frozenset())
        other_core = Core(other, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
        before = await ask(core, "12")
        await submit(other_core, "12 submit 29.5 2025/26 confirm")
        assert await ask(core, "12") == before  # kept: nobody has looked yet
        assert await look(db)
        assert "29.5%" in await ask(core, "12")
    finally:
        await other.dispose()


async def test_a_new_day_is_a_new_answer(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    clock = Clock(now)
    core = Core(db, clock=clock, tz=tz, admins=frozenset())
    await ask(core, "overdue")
    clock.now = now + timedelta(days=1)
    await ask(core, "overdue")
    assert core.answers.hits == 0
    async with db.reading() as session:
        assert await RoadmapRepository(session).outcome(12) is not None


async def test_cards_worked_out_ahead_are_the_cards_asked_for(
    db: Database, now: datetime, tz: ZoneInfo
) -> None:
    async with db.transaction() as session:
        await import_roadmap(session, EXAMPLE_ROADMAP, actor="tests", now=now, tz=tz)
        # England's figures beside the target, as `waymark init` loads them.
        await import_comparators(
            session, EXAMPLE_ROADMAP / COMPARATORS_FILE, actor="tests", now=now
        )
    asked = Core(db, clock=Clock(now), tz=tz, admins=frozenset())
    warmed = Core(db, clock=Clock(now), tz=tz, admins=frozenset())
    count = await warm(db, warmed.answers, now.date(), tz)
    async with db.reading() as session:
        numbers = [o.number for o in await RoadmapRepository(session).outcomes()]
    assert count == len(numbers) > 0
    for number in numbers:
        event = Command("slack", "C0ASKED", "U0ASKER", str(number))
        assert await warmed.command(event) == await asked.command(event)
    assert warmed.answers.hits == len(numbers)
    england = Command("slack", "C0ASKED", "U0ASKER", "12")
    assert "England" in str(await warmed.command(england))  # the comparators are on it


def packed(reply: Reply) -> str | None:
    """A platform's encoding, for tests: shared answers are not packed."""
    return None if reply.shared else f"packed: {reply.fallback}"


async def test_a_platform_that_packs_is_sent_what_it_packed_and_never_out_of_date(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    core.answers.pack_for("slack", packed)
    card = Command("slack", "C0ASKED", "U0ASKER", "12")
    first = await core.command_packed(card)
    assert first == await core.command_packed(card) == f"packed: {await ask(core, '12')}"
    assert await core.command_packed(card) == first  # `ask` kept it again, packed
    await submit(core, "12 submit 29.5 2025/26 confirm")
    after = await core.command_packed(card)
    assert "29.5%" in str(after)
    shared = await core.command_packed(Command("slack", "C0ASKED", "U0ASKER", "12 share"))
    assert isinstance(shared, Reply)
    assert shared.shared
    assert await core.command_packed(Command("slack", "C0ASKED", "U0ASKER", "12 share")) == shared


async def test_replies_are_kept_beside_the_packed_answers_for_a_platform_that_reads_them(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset())
    core.answers.pack_for("slack", packed)
    await core.command_packed(Command("slack", "C0ASKED", "U0ASKER", "12"))
    teams = Command("teams", "19:asked", "29:asker", "12")
    assert (await core.command(teams)).fallback.startswith("Outcome 12")
    assert core.answers.hits == 0  # only the packed answer was kept: worked out again
    core.answers.keep_replies_for("teams")
    reply = await core.command(teams)  # kept again, now with its Reply beside the packed answer
    assert await core.command(teams) == reply
    # Teams does not pack: its answer is the Reply, where Slack's is what Slack packed.
    assert await core.command_packed(teams) == reply
    slack = Command("slack", "C0ASKED", "U0ASKER", "12")
    assert await core.command_packed(slack) == f"packed: {reply.fallback}"
    assert core.answers.hits == 3
