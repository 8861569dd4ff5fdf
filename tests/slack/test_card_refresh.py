"""A card shared in a channel is redrawn in place when a reading arrives: through the outbox, once,
by chat.update on the same message, never as a new one. Through the real Bolt app, with the
playground's Web API recording each call."""

from zoneinfo import ZoneInfo

from bot.wiring import job_context
from commands.delivery.drain_report import DrainReport
from commands.delivery.outbox import drain
from config.settings import Settings
from playground.records import Message
from scheduler.jobs import send_reminders, send_weekly_digest
from storage.repositories import OutboxRepository
from tests.slack.harness import (
    ADMIN,
    CHILDREN,
    ECONOMY,
    ECONOMY_LEAD,
    GENERAL,
    LEAD,
    SlackHarness,
)
from tests.slack.test_outcome_command import text_of

LONDON = ZoneInfo("Europe/London")


async def shared_card(slack: SlackHarness, number: int = 12) -> Message:
    await slack.command(LEAD, CHILDREN, f"{number} share")
    [card] = [m for m in slack.workspace.history(CHILDREN) if m.user == "U0WAYMARK"]
    return card


async def pass_of_the_outbox(slack: SlackHarness) -> DrainReport:
    assert slack.running.services is not None
    messenger = slack.running.services.messenger
    return await drain(slack.running.db, {"slack": messenger}, slack.running.services.core.clock())


def updates_of(slack: SlackHarness, ts: str) -> list[dict[str, object]]:
    return [c for c in slack.calls("chat.update") if c.get("ts") == ts]


async def test_a_shared_card_says_the_new_status_once_its_reading_arrives(
    slack: SlackHarness,
) -> None:
    card = await shared_card(slack)
    assert "OVERDUE: 2025/26" in text_of([card])

    await slack.reply(LEAD, CHILDREN, card.ts, "31.5 2025/26")
    assert updates_of(slack, card.ts) == []  # queued, not yet sent
    report = await pass_of_the_outbox(slack)

    [update] = updates_of(slack, card.ts)
    assert update["channel"] == CHILDREN
    now = slack.workspace.message(CHILDREN, card.ts)
    words = text_of([now])
    assert "OVERDUE" not in words
    assert "31.5% for 2025/26" in words
    assert "At risk" in words
    assert "2025/26 received" in words
    assert now.edited is not None  # the page marks it "(edited)"
    # The same message, edited: no new message in the channel.
    assert [m.ts for m in slack.workspace.history(CHILDREN)] == [card.ts]
    assert report.lines(LONDON) == [f"Refresh the card for outcome 12 in {CHILDREN}: done."]

    # Another pass has nothing more to do: it is changed once.
    await pass_of_the_outbox(slack)
    assert len(updates_of(slack, card.ts)) == 1


async def test_a_deleted_card_is_not_posted_again(slack: SlackHarness) -> None:
    card = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, card.ts, "31.5 2025/26")
    message = slack.workspace.message(CHILDREN, card.ts)
    slack.workspace.delete(message)  # its thread stays, as Slack keeps it
    posts = len(slack.calls("chat.postMessage"))

    report = await pass_of_the_outbox(slack)

    assert [c["error"] for c in _answers(slack, "chat.update")] == ["message_not_found"]
    assert len(slack.calls("chat.postMessage")) == posts  # not posted again as a new message
    [line] = report.lines(LONDON)
    assert "nothing to do, the message was deleted" in line
    async with slack.running.db.reading() as session:
        [row] = [r for r in await OutboxRepository(session).everything() if r.kind == "refresh"]
    assert row.state == "sent"
    assert (await pass_of_the_outbox(slack)).lines(LONDON) == []
    assert len(_answers(slack, "chat.update")) == 1  # never tried again


def _answers(slack: SlackHarness, method: str) -> list[dict[str, object]]:
    return [c.response for c in slack.workspace.calls if c.method == method]


async def test_a_reminder_marks_the_reading_received_and_a_digest_stays_as_it_was(
    slack: SlackHarness,
) -> None:
    assert slack.running.services is not None
    settings = Settings.model_validate(
        {"WAYMARK_PROGRAMME_CHANNEL": GENERAL, "WAYMARK_DIGEST_CHANNEL": GENERAL}
    )
    jobs = job_context(settings, slack.running.db, {"slack": slack.running.services.messenger})
    now = slack.running.services.core.clock()
    await send_reminders(jobs, now)
    await send_weekly_digest(jobs, now, force=True)
    [reminder] = [m for m in slack.workspace.history(ECONOMY) if m.user == "U0WAYMARK"]
    assert "overdue" in text_of([reminder])
    digests = [m.ts for m in slack.workspace.history(GENERAL) if "digest" in m.text.lower()]
    assert digests

    await slack.reply(ECONOMY_LEAD, ECONOMY, reminder.ts, "23.4")
    await pass_of_the_outbox(slack)

    [update] = updates_of(slack, reminder.ts)
    words = text_of([slack.workspace.message(ECONOMY, reminder.ts)])
    assert "The 2025 reading arrived on Thu 26 Nov 2026: 23.4" in words
    assert "Every reading asked for here has arrived" in words
    assert "overdue" not in words.lower()
    assert update["channel"] == ECONOMY
    # The escalation to the programme team says so too; the digest, the record of its week,
    # is never rewritten.
    general = slack.workspace.history(GENERAL)
    [escalation] = [m for m in general if "Inclusive Economy Board" in m.text]
    [untouched] = [m for m in general if "Children's Trust Board" in m.text]
    assert [u["ts"] for u in slack.calls("chat.update") if u["channel"] == GENERAL] == [
        escalation.ts
    ]
    assert "overdue" in untouched.text
    assert text_of([escalation]).startswith("Inclusive Economy Board: Every reading")


async def test_approving_the_reading_redraws_the_card_with_who_approved_it(
    slack: SlackHarness,
) -> None:
    card = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, card.ts, "31.5 2025/26 the new clinics open in May")
    await pass_of_the_outbox(slack)
    words = text_of([slack.workspace.message(CHILDREN, card.ts)])
    assert "Provisional: waiting for approval" in words

    await slack.command(ADMIN, CHILDREN, "12 approve 2025/26")
    await pass_of_the_outbox(slack)

    assert len(updates_of(slack, card.ts)) == 2
    words = text_of([slack.workspace.message(CHILDREN, card.ts)])
    # By name, or by id when waymark had not yet learnt the name (it asks Slack meanwhile).
    assert "Approved by Joanne Clarke." in words or f"Approved by {ADMIN.id}." in words
    assert "Provisional" not in words
    await pass_of_the_outbox(slack)
    assert len(updates_of(slack, card.ts)) == 2


async def test_a_shared_card_shows_the_commentary_once_it_is_given(slack: SlackHarness) -> None:
    # The card went on saying "Commentary missing" in the channel after the lead gave it.
    card = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, card.ts, "31.5 2025/26")
    await pass_of_the_outbox(slack)
    assert "Commentary missing" in str(slack.workspace.message(CHILDREN, card.ts).blocks)

    await slack.reply(LEAD, CHILDREN, card.ts, "Auto-enrolment for school meals from January")
    await pass_of_the_outbox(slack)
    blocks = str(slack.workspace.message(CHILDREN, card.ts).blocks)
    assert "Commentary missing" not in blocks
    assert "Auto-enrolment for school meals from January" in blocks

    await slack.command(LEAD, CHILDREN, "12 comment 2025/26 Letters to every family in March")
    await pass_of_the_outbox(slack)
    assert "Letters to every family in March" in str(
        slack.workspace.message(CHILDREN, card.ts).blocks
    )
    # The same message, changed in place each time.
    assert [m.ts for m in slack.workspace.history(CHILDREN)] == [card.ts]
    assert len(updates_of(slack, card.ts)) == 3
