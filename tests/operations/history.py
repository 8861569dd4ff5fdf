"""The example road map with a history like a council's after some months of use, built the way
it is built in real use: chat events through the core (readings in threads, a correction, slash
commands, pause and snooze), the scheduler's reminders and digest through the outbox (one post
refused, left waiting), and the names and personal chats Teams records."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.wiring import load_example_if_empty
from commands.conversations import Core
from commands.domain.calendar import Timetable
from commands.events import AnswerPosted, Command, ReplyEdited, ThreadReply
from commands.ports import DeliveryError
from commands.reminders.bank_holidays import england_and_wales
from config.targets import Target
from scheduler.jobs import JobContext, tick
from storage.db import Database
from storage.repositories import ConversationRefRepository, PeopleRepository
from tests.scheduler.fakes import FakeMessenger

LONDON = ZoneInfo("Europe/London")
ADMIN = "U0ADMIN0001"
LEAD = "U0CTBLEAD01"
# The person who asks to be forgotten in the tests: a Children's Trust lead who gave readings
# (the example's CSV and in chat), corrected one, and is named in reminders and the audit log.
LEAVER = "U0CTBLEAD02"
LEAVER_NAME = "Claire Bennett"  # as the example road map's people.csv names her
BOARD = "C0CTBOARD01"
DIGEST = "C0DIGEST01"
PROGRAMME = "C0PROGRAMME"
# Thursday 26 November 2026, noon; the scheduler runs on Monday 30 November at 10:00.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
THREAD = "1764158400.000100"


async def build_history(db: Database) -> FakeMessenger:
    """Fill the migrated, empty `db`; the messenger the scheduler posted through."""
    await load_example_if_empty(db, actor="tests", now=NOW, tz=LONDON)
    core = Core(db, clock=lambda: NOW, tz=LONDON, admins=frozenset({ADMIN}))
    await core.command(Command("slack", BOARD, LEAD, "12 submit 85.9 2026-Q2 clinics were busy"))
    card = await core.command(Command("slack", BOARD, LEAD, "13 share"))
    await core.answer_posted(AnswerPosted("slack", BOARD, THREAD, card))
    said = "1764158460.000200"
    # With its period: 2026-09, the period due, has a reading already, so a bare figure would
    # be asked which period it is for. Off track, so waymark asks the leaver for commentary.
    reply = ThreadReply("slack", BOARD, THREAD, said, LEAVER, "4.9 2026-10", "Ev01")
    await core.thread_reply(reply)
    await core.reply_edited(
        ReplyEdited("slack", BOARD, THREAD, said, LEAVER, "4.8 sorry, typo", "1764158520", "Ev02")
    )
    await core.command(Command("slack", BOARD, ADMIN, '9 pause "the DWP figures are late"'))
    await core.command(Command("slack", BOARD, LEAD, "10 snooze 14d"))
    async with db.transaction() as session:
        await PeopleRepository(session).remember("slack", LEAVER, LEAVER_NAME, NOW)
        await PeopleRepository(session).remember("slack", LEAD, "Priya Shah", NOW)
        await ConversationRefRepository(session).remember(
            platform="teams", conversation_id="a:1personal", kind="personal",
            service_url="https://smba.example/teams", bot_id="28:bot", at=NOW,
            user_id=LEAVER, name=LEAVER_NAME,
        )  # fmt: skip
    messenger = FakeMessenger()
    messenger.failures[PROGRAMME] = [DeliveryError("ratelimited", ambiguous=False)] * 3
    jobs = JobContext(
        db=db,
        messengers={"slack": messenger},
        timetable=Timetable(LONDON, bank_holidays=england_and_wales),
        digest_targets=(Target("slack", DIGEST),),
        programme=Target("slack", PROGRAMME),
    )
    await tick(jobs, MONDAY)
    return messenger
