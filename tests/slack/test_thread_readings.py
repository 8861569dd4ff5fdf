"""Readings typed in the thread of a message waymark posted: recorded once, explained, corrected."""

import asyncio
import copy
import json
import os
import sys

from sqlalchemy import text

from bot.wiring import job_context
from config.settings import Settings
from scheduler.jobs import send_reminders
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.slack.harness import (
    CHILDREN,
    ECONOMY,
    ECONOMY_LEAD,
    GENERAL,
    LEAD,
    LEAD_2,
    OUTSIDER,
    SlackHarness,
)
from tests.slack.test_outcome_command import text_of


async def shared_card(slack: SlackHarness, number: int = 12) -> str:
    await slack.command(LEAD, CHILDREN, f"{number} share")
    return slack.workspace.history(CHILDREN)[0].ts


async def readings_of(slack: SlackHarness, number: int) -> list[tuple[str, float, bool]]:
    async with slack.running.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(number)
        assert outcome is not None
        history = await ReadingRepository(session).history(outcome.id)
    return [(r.period, r.value, r.is_current) for r in history]


async def test_a_leads_reply_is_recorded_ticked_and_confirmed(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    reply = await slack.reply(LEAD, CHILDREN, thread, "31.5 2025/26 provisional, DWP")
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True), ("2025/26", 31.5, True)]
    assert [r.name for r in slack.workspace.message(CHILDREN, reply.ts).reactions] == [
        "white_check_mark"
    ]
    [confirmation] = slack.bot_replies(CHILDREN, thread)
    # 30 expected at 31 Mar 2026; 31.5 misses by 1.5, within 5% of 30 = 1.5: at risk.
    assert (
        "Recorded outcome 12 (Children in relative low-income families), 2025/26: 31.5%"
        in confirmation.text
    )
    assert "Status now: At risk" in confirmation.text


async def test_three_deliveries_of_one_event_record_one_reading(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, thread, "23.4")
    [first] = [d for d in slack.workspace.deliveries if d.kind == "event" and
               d.payload["event"].get("text") == "23.4"]  # fmt: skip
    assert first.status == 200
    for retry in (1, 2):
        assert await slack.deliver_event(first.payload, retry=retry) == 200
    # The same message through a second event (another event id): still one reading.
    other = copy.deepcopy(first.payload)
    other["event_id"] = "Ev0SECONDCOPY"
    assert await slack.deliver_event(other) == 200
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True), ("2025/26", 23.4, True)]
    assert len(slack.bot_replies(CHILDREN, thread)) == 1


async def test_a_reading_that_fails_to_store_is_not_acknowledged(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    async with slack.running.db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE readings RENAME TO readings_away"))
    try:
        await slack.playground.people.say(LEAD.id, CHILDREN, "33", thread_ts=thread)
        await slack.settle()
        [delivery] = [d for d in slack.workspace.deliveries
                      if d.kind == "event" and d.payload["event"].get("text") == "33"]  # fmt: skip
        assert delivery.status == 500  # Slack will deliver it again
    finally:
        async with slack.running.db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE readings_away RENAME TO readings"))
    assert await slack.deliver_event(delivery.payload, retry=1) == 200
    assert ("2025/26", 33.0, True) in await readings_of(slack, 12)


async def test_bad_replies_are_explained_and_store_nothing(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, thread, "abc")
    await slack.reply(OUTSIDER, CHILDREN, thread, "23.4")
    await slack.reply(LEAD, CHILDREN, thread, "123")
    await slack.reply(LEAD, CHILDREN, thread, "23.4 2026/27")
    await slack.reply(LEAD, CHILDREN, thread, "13: 85")
    await slack.reply(LEAD, CHILDREN, thread, "thanks, will do")
    await slack.reply(LEAD, CHILDREN, thread, "about 40ish")
    said = [m.text for m in slack.bot_replies(CHILDREN, thread)]
    assert len(said) == 6  # the chatty reply is left alone
    assert "I could not read 'abc' as a number" in said[0]
    assert "Only the leads of the Children's Trust Board" in said[1]
    assert "<@U0CHILDLEAD>" in said[1]
    assert "123 is not a percentage" in said[2]
    assert "2026/27 has not ended yet" in said[3]
    assert "This thread is about outcome 12, not 13" in said[4]
    # A figure in words is answered, never met with silence, and nothing is recorded.
    assert said[5] == (
        "I could not read 'about 40ish' as a reading, so nothing was recorded. Reply with the "
        "value on its own, like `23.4`, or with its period too, like `23.4 2025/26`."
    )
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    assert slack.calls("reactions.add") == []


async def test_editing_a_reply_corrects_and_deleting_keeps_the_reading(
    slack: SlackHarness,
) -> None:
    thread = await shared_card(slack)
    reply = await slack.reply(LEAD_2, CHILDREN, thread, "31 2025/26")
    await slack.playground.people.edit(LEAD_2.id, CHILDREN, reply.ts, "31.2 2025/26")
    await slack.settle()
    assert await readings_of(slack, 12) == [
        ("2024/25", 36.0, True),
        ("2025/26", 31.0, False),
        ("2025/26", 31.2, True),
    ]
    said = [m.text for m in slack.bot_replies(CHILDREN, thread)]
    assert "Thanks for the correction" in said[-1]
    assert "correcting 31%" in said[-1]
    await slack.playground.people.delete(LEAD_2.id, CHILDREN, reply.ts)
    await slack.settle()
    assert ("2025/26", 31.2, True) in await readings_of(slack, 12)
    # The notice names the value the message gave last: the corrected one.
    assert slack.bot_replies(CHILDREN, thread)[-1].text == (
        "That message was deleted, but the reading it gave (outcome 12, 2025/26: 31.2%) stays "
        "in the history. To correct it, reply here with the right value."
    )


async def test_a_deletion_slack_delivers_twice_is_told_once(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    reply = await slack.reply(LEAD_2, CHILDREN, thread, "31 2025/26")
    await slack.playground.people.delete(LEAD_2.id, CHILDREN, reply.ts)
    await slack.settle()
    [deletion] = [d for d in slack.workspace.deliveries if d.kind == "event" and
                  d.payload["event"].get("subtype") == "message_deleted"]  # fmt: skip
    assert await slack.deliver_event(deletion.payload, retry=1) == 200
    notices = [m for m in slack.bot_replies(CHILDREN, thread) if "was deleted" in m.text]
    assert len(notices) == 1


async def test_threads_waymark_did_not_start_are_ignored(slack: SlackHarness) -> None:
    human = await slack.playground.people.say(LEAD.id, CHILDREN, "Anyone have the figures?")
    assert human.message is not None
    await slack.reply(LEAD, CHILDREN, human.message.ts, "23.4")
    assert slack.bot_replies(CHILDREN, human.message.ts) == []
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]


async def test_the_submit_button_opens_a_form_that_shows_errors_inline(
    slack: SlackHarness,
) -> None:
    thread = await shared_card(slack)
    clicked = await slack.playground.people.click(
        LEAD.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=thread
    )
    assert clicked.delivery is not None
    assert clicked.delivery.status == 200
    await slack.settle()
    [view] = [v for v in slack.workspace.views.values() if v.user_id == LEAD.id]
    assert view.spec["title"]["text"] == "Outcome 12 reading"
    period = next(b for b in view.spec["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2025/26"  # the due period, filled in
    bad = await slack.playground.people.submit(
        LEAD.id, view.id, {"value": "lots", "period": "2025"}
    )
    assert "'lots' is not a number" in bad.errors["value"]
    assert "financial_year periods are written like 2024/25" in bad.errors["period"]
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    good = await slack.playground.people.submit(
        LEAD.id, view.id, {"value": "31.4", "period": "2025/26", "note": "provisional"}
    )
    assert good.errors == {}
    await slack.settle()
    assert ("2025/26", 31.4, True) in await readings_of(slack, 12)
    assert "Recorded outcome 12" in slack.bot_replies(CHILDREN, thread)[-1].text


async def test_the_button_tells_others_who_can_submit(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    await slack.playground.people.click(
        OUTSIDER.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=thread
    )
    await slack.settle()
    assert not [v for v in slack.workspace.views.values() if v.user_id == OUTSIDER.id]
    seen = text_of(slack.workspace.ephemerals(OUTSIDER.id, CHILDREN))
    assert "Only the leads of the Children's Trust Board" in seen


async def test_a_reply_in_a_reminders_thread_retried_three_times_is_one_reading(
    slack: SlackHarness,
) -> None:
    """The issue's own example: a lead answers a reminder with `23.4`, Slack delivers it three
    times, and `waymark status --json` shows exactly one reading."""
    assert slack.running.services is not None
    jobs = job_context(
        Settings.model_validate({"WAYMARK_PROGRAMME_CHANNEL": GENERAL}),
        slack.running.db,
        {"slack": slack.running.services.messenger},
    )
    summary = await send_reminders(jobs, slack.running.services.core.clock())
    assert "reminder" in summary
    [reminder] = [m for m in slack.workspace.history(ECONOMY) if m.user == "U0WAYMARK"]
    assert "More jobs in the town" in text_of([reminder])

    await slack.reply(ECONOMY_LEAD, ECONOMY, reminder.ts, "23.4")
    [first] = [d for d in slack.workspace.deliveries if d.kind == "event" and
               d.payload["event"].get("text") == "23.4"]  # fmt: skip
    for retry in (1, 2):
        assert await slack.deliver_event(first.payload, retry=retry) == 200
    assert len(slack.bot_replies(ECONOMY, reminder.ts)) == 1

    url = slack.running.db.url.render_as_string(hide_password=False)
    environment = {**os.environ, "DATABASE_URL": url}
    # The operator's view, from the command line.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "status", "20", "--json", "--at", "2026-11-26",
        env=environment, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    status = json.loads(out)
    assert status["latest"]["period"] == "2025"
    assert status["latest"]["value"] == 23.4
    assert status["latest"]["submitted_by"] == ECONOMY_LEAD.id
    assert status["previous"] is None  # one reading, not three


async def test_other_bots_replies_are_not_readings(slack: SlackHarness) -> None:
    thread = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, thread, "chat first")  # a real envelope to copy
    [human] = [d for d in slack.workspace.deliveries if d.kind == "event" and
               d.payload["event"].get("text") == "chat first"]  # fmt: skip
    other_bot = copy.deepcopy(human.payload)
    other_bot["event_id"] = "Ev0OTHERBOT"
    other_bot["event"].update(text="99.9", bot_id="B0SOMEBOT", ts="1795000000.000100")
    assert await slack.deliver_event(other_bot) == 200
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    assert slack.bot_replies(CHILDREN, thread) == []
