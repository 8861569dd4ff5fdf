"""Questions waymark waits on, through the core as every platform calls it: a held figure
expires visibly, a "no" drops it, a new figure replaces it, and they live in the database (a
second core, as on another replica, takes the answer)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.conversations import Core
from commands.events import ButtonPressed, Command, FormSubmitted, ReplyEdited, ThreadReply
from commands.presentation.replies import Action
from storage.db import Database
from storage.repositories import AuditRepository, PostRepository, ReadingRepository
from tests.factories import load_roadmap

CHANNEL, THREAD = "C0CHILDREN1", "1795000000.000100"
_ts = itertools.count(1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def setup(db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    async with db.transaction() as session:
        await PostRepository(session).record(
            platform="slack", channel_id=CHANNEL, message_id=THREAD, kind="card",
            outcomes=[13], posted_at=now,
        )  # fmt: skip


async def say(core: Core, text: str, user: str = "U0CHILDLEAD") -> str | None:
    ts = f"1795000001.{next(_ts):06d}"
    answer = await core.thread_reply(ThreadReply("slack", CHANNEL, THREAD, ts, user, text))
    return None if answer is None or answer.reply is None else answer.reply.fallback


async def values_of_13(db: Database) -> list[float]:
    async with db.reading() as session:
        return [r.value for r in await ReadingRepository(session).history(2)]


async def test_a_held_figure_expires_visibly_after_a_week(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await setup(db, tmp_path, now, tz)
    clock = Clock(now)
    core = Core(db, clock=clock, tz=tz, admins=frozenset({"U0ADMIN"}))
    asked = await say(core, "8.6 2025-Q3")
    assert asked is not None
    assert asked.startswith("You wrote 8.6% — about a tenth of the last reading, 85.5% (2024-Q3).")
    clock.now = now + timedelta(days=8)
    # Another replica takes the late answer: the question is in the database.
    other = Core(db, clock=clock, tz=tz, admins=frozenset({"U0ADMIN"}))
    assert await say(other, "yes") == (
        "The figure you gave on Thu 26 Nov 2026 (8.6% for 2025-Q3) waited 7 days for your answer "
        "and has expired: nothing was recorded. Give it again if it is right."
    )
    assert await say(other, "yes") is None  # said once
    assert await values_of_13(db) == [86.0, 85.5]
    async with db.reading() as session:
        actions = [
            e.action for e in await AuditRepository(session).for_subject("question:1:2025-Q3")
        ]
    assert actions == ["reading.expired"]


async def test_no_drops_a_held_figure_and_a_new_figure_replaces_it(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await setup(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    await say(core, "8.6 2025-Q3")
    assert await say(core, "no") == (
        "Nothing recorded: the figure you gave on Thu 26 Nov 2026 (8.6% for 2025-Q3) was not "
        "kept. Give the right figure here."
    )
    await say(core, "8.6 2025-Q3")
    # The right figure instead of an answer: the held one is given up, the new one stored.
    said = await say(core, "86.4 2025-Q3 GP reminder texts")
    assert said is not None
    assert said.startswith("Recorded outcome 13 (MMR coverage), 2025-Q3: 86.4%.")
    assert await say(core, "yes") is None  # nothing is held any more
    assert await values_of_13(db) == [86.0, 85.5, 86.4]


async def test_a_held_figure_is_written_as_it_was_given_when_it_expires(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "(1.23457e+06 for 2025)": a count of jobs held for a word, written in exponent notation
    # and rounded to six figures when it expired.
    await setup(db, tmp_path, now, tz)
    clock = Clock(now)
    core = Core(db, clock=clock, tz=tz, admins=frozenset({"U0ADMIN"}))

    async def submit(text: str) -> str:
        return (await core.command(Command("slack", "C0ECONOMY01", "U0ECONLEAD1", text))).fallback

    assert (await submit("20 submit 95000 2024")).startswith("Recorded")
    asked = await submit("20 submit 1234567 2025")
    assert asked.startswith("You wrote 1,234,567 — about 13 times the last reading, 95,000")
    clock.now = now + timedelta(days=8)
    pressed = await core.button_pressed(
        ButtonPressed("slack", "C0ECONOMY01", None, "U0ECONLEAD1", Action.KEEP_FIGURE, "1")
    )
    assert pressed.reply is not None
    assert pressed.reply.fallback == (
        "The figure you gave on Thu 26 Nov 2026 (1,234,567 for 2025) waited 7 days for your "
        "answer and has expired: nothing was recorded. Give it again if it is right."
    )


async def test_a_note_ending_in_confirm_is_a_note_in_a_thread_and_on_the_form(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "8.6 2025-Q3 UKHSA yet to confirm" kept a tenth of the last reading without asking, as
    # if the lead had said yes, and stored the note as "UKHSA yet to". Only a command takes
    # a last word `confirm` as keeping the figure (the question says to type it there).
    await setup(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    asked = await say(core, "8.6 2025-Q3 UKHSA yet to confirm")
    assert asked is not None
    assert asked.startswith("You wrote 8.6% — about a tenth of the last reading, 85.5%")
    assert await values_of_13(db) == [86.0, 85.5]
    kept = await say(core, "yes")
    assert kept is not None
    assert kept.startswith("Recorded outcome 13 (MMR coverage), 2025-Q3: 8.6%.")
    values = {"value": "8.7", "period": "2025-Q4", "note": "Practices still to confirm"}
    form = FormSubmitted("slack", CHANNEL, THREAD, "U0CHILDLEAD", 13, values)
    answer = await core.form_submitted(form)
    assert answer.errors == {}
    async with db.reading() as session:
        notes = {r.period: r.note for r in await ReadingRepository(session).history(2)}
    assert notes["2025-Q3"] == "UKHSA yet to confirm"
    assert notes["2025-Q4"] == "Practices still to confirm"


async def test_commentary_given_after_its_question_expired_is_not_dropped_in_silence(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # A lead's line on what is being done, given in the thread eight days after waymark asked
    # for it, was ignored without a word: the reading went on saying "commentary missing".
    await setup(db, tmp_path, now, tz)
    clock = Clock(now)
    core = Core(db, clock=clock, tz=tz, admins=frozenset({"U0ADMIN"}))
    recorded = await say(core, "84 2025-Q3")
    assert recorded is not None
    assert "reply here with a line on what is being done about it." in recorded
    clock.now = now + timedelta(days=8)
    assert await say(core, "Thanks") is None  # still only an acknowledgement
    assert await say(core, "Extra clinics in the three lowest wards from January") == (
        "I asked here on Thu 26 Nov 2026 for a line on what is being done about outcome 13's "
        "2025-Q3 reading (84%), but that was more than 7 days ago, so I have not taken these "
        "words as its commentary. To add them: `/outcome 13 comment 2025-Q3 WHAT IS BEING "
        "DONE`."
    )
    assert await say(core, "More chat later on") is None  # said once
    async with db.reading() as session:
        [latest] = await ReadingRepository(session).latest(2, 1)
    assert (latest.period, latest.note) == ("2025-Q3", "")


async def test_keeping_a_held_figure_does_not_replace_one_recorded_since_unasked(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # A lead's 8.6 was held (a tenth of the last reading); meanwhile the other lead recorded
    # 88.5 for the same period. "yes" to the old question replaced 88.5 with 8.6, though the
    # lead who said it was never asked about replacing anyone's figure.
    await setup(db, tmp_path, now, tz)
    clock = Clock(now)
    core = Core(db, clock=clock, tz=tz, admins=frozenset({"U0ADMIN"}))
    assert (await say(core, "8.6 2025-Q3") or "").startswith("You wrote 8.6%")
    clock.now = now + timedelta(hours=1)
    other = await core.command(Command("slack", CHANNEL, "U0CHILDLEA2", "13 submit 88.5 2025-Q3"))
    assert other.fallback.startswith("Recorded outcome 13 (MMR coverage), 2025-Q3: 88.5%.")
    clock.now = now + timedelta(hours=2)
    said = await say(core, "yes") or ""
    assert said.startswith("Nothing recorded: since you gave 8.6% for 2025-Q3 on Thu 26 Nov 2026,")
    assert said.endswith(
        "recorded 88.5% for it. If yours should replace it, give it again and keep it when asked."
    )
    assert "U0CHILDLEA2" in said
    assert await values_of_13(db) == [86.0, 85.5, 88.5]


async def test_an_edit_that_moves_a_figure_to_another_period_says_the_first_one_stays(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "88.5 2025-Q3" edited to "88.5 2025-Q2" was thanked as a correction, and 2025-Q3 went on
    # counting 88.5% (the latest reading, on the card and in the report) without a word.
    await setup(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    ts = "1795000009.000001"
    given = ThreadReply("slack", CHANNEL, THREAD, ts, "U0CHILDLEAD", "88.5 2025-Q3")
    await core.thread_reply(given)
    edited = ReplyEdited(
        "slack", CHANNEL, THREAD, ts, "U0CHILDLEAD", "88.5 2025-Q2", "1795000010.000000"
    )
    answer = await core.reply_edited(edited)
    assert answer is not None
    assert answer.reply is not None
    said = answer.reply.fallback
    assert said.startswith("Thanks for the correction. Recorded outcome 13 (MMR coverage), 2025-Q2")
    assert said.endswith(
        "2025-Q3 still has 88.5% from this message before it was edited: if that is wrong, "
        "reply with the right figure and its period."
    )


async def test_commentary_asked_for_a_figure_corrected_since_is_not_put_on_the_old_one(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # 84% asked for a line on what is being done; the lead corrected it to 88.6% (on track, so
    # nothing was asked); their next words went onto 84%, a figure nobody reads any more.
    await setup(db, tmp_path, now, tz)
    core = Core(db, clock=Clock(now), tz=tz, admins=frozenset({"U0ADMIN"}))
    asked = await say(core, "84 2025-Q3")
    assert asked is not None
    assert "reply here with a line on what is being done about it." in asked
    corrected = await say(core, "88.6 2025-Q3")
    assert corrected is not None
    assert corrected.startswith(
        "Recorded outcome 13 (MMR coverage), 2025-Q3: 88.6%, correcting 84%"
    )
    assert "what is being done" not in corrected
    assert await say(core, "Extra clinics in the three lowest wards from January") == (
        "Outcome 13's 2025-Q3 figure was corrected to 88.6% after I asked for a line on 84%, so "
        "I have not taken these words as commentary. To add them to the figure as it stands: "
        "`/outcome 13 comment 2025-Q3 WHAT IS BEING DONE`."
    )
    assert await say(core, "More chat later on") is None  # said once: the question is settled
    async with db.reading() as session:
        notes = [(r.value, r.note) for r in await ReadingRepository(session).history(2)]
    assert (84.0, "") in notes
    assert (88.6, "") in notes
