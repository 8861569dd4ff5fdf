"""Delivery plans in Slack, through Bolt and the playground's Web API: a lead adds an action to
outcome 12, its owner is reminded when it goes quiet, replies in the reminder's thread, and the
digest and `/outcome 12 plan` show it. Time is a fixture that the test moves on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.wiring import job_context
from config.settings import Settings
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from storage.db import Database
from storage.repositories import PlanRepository
from tests.factories import load_roadmap
from tests.scheduler.conftest import at
from tests.slack.harness import (
    BOT,
    CHILDREN,
    GENERAL,
    LEAD,
    LEAD_2,
    OUTSIDER,
    SlackHarness,
    slack_harness,
)
from tests.slack.test_outcome_command import text_of


class Clock:
    """waymark's clock, which the test moves on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, clock: Clock
) -> AsyncIterator[SlackHarness]:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    url = db.url.render_as_string(hide_password=False)
    async with slack_harness(url, now, clock=clock) as harness:
        yield harness


def jobs(slack: SlackHarness) -> JobContext:
    assert slack.running.services is not None
    settings = Settings.model_validate(
        {"WAYMARK_PROGRAMME_CHANNEL": GENERAL, "WAYMARK_DIGEST_CHANNEL": GENERAL}
    )
    return job_context(settings, slack.running.db, {"slack": slack.running.services.messenger})


async def test_an_action_from_its_adding_to_the_digest(slack: SlackHarness, clock: Clock) -> None:
    # Thursday 26 November 2026: a lead adds an action for Sam to own.
    shown = await slack.command(
        LEAD,
        CHILDREN,
        "12 plan add Auto-enrol free school meals due March 2027 owner <@U0CHILDLEA2> "
        "lead Luton Council",
    )
    words = text_of(shown)
    assert "Added action 12.1 to outcome 12's delivery plan." in words
    assert "<@U0CHILDLEA2>" in words  # the owner, as Slack shows a mention
    assert shown[0] in slack.workspace.ephemerals(LEAD.id, CHILDREN)
    refused = text_of(await slack.command(OUTSIDER, CHILDREN, "12 plan add Something else"))
    assert "Only the leads of the Children's Trust Board and administrators" in refused

    # Six weeks (42 days) without an update: Thursday 7 January 2027, at the reminder time.
    ctx = jobs(slack)
    clock.now = at("2027-01-07T10:00")
    said = await send_reminders(ctx, clock.now)
    assert "Posted: update reminder for action 12.1 to Children's Trust Board" in said
    await slack.settle()
    [reminder] = [
        m for m in slack.workspace.history(CHILDREN) if m.user == BOT.id and "Action 12.1" in m.text
    ]
    reminded = text_of([reminder])
    assert "Update needed: action 12.1" in reminded
    assert "has had no update since it began on Thu 26 Nov 2026" in reminded
    assert "<@U0CHILDLEA2>" in reminded
    assert await send_reminders(ctx, at("2027-01-07T11:00")) == (
        "No reminders to post at Thu 7 Jan 2027, 11:00: every reminder due then has been "
        "posted already, or none is due."
    )

    # Sam answers in the reminder's thread.
    clock.now = at("2027-01-07T11:30")
    answer = await slack.reply(
        LEAD_2, CHILDREN, reminder.ts, "delayed — contractor changed, new date March"
    )
    assert [r.name for r in slack.workspace.message(CHILDREN, answer.ts).reactions] == [
        "white_check_mark"
    ]
    [confirmation] = slack.bot_replies(CHILDREN, reminder.ts)
    assert confirmation.text == (
        "Recorded an update to action 12.1 (Auto-enrol free school meals): Delayed — contractor "
        "changed, new date March. State: not started → delayed."
    )
    # Someone else's comment in the thread is left alone.
    await slack.reply(OUTSIDER, CHILDREN, reminder.ts, "Good to know, thanks for the update")
    assert len(slack.bot_replies(CHILDREN, reminder.ts)) == 1

    # Monday's digest lists it as delayed.
    await send_weekly_digest(ctx, at("2027-01-11T09:30"))
    await slack.settle()
    [digest] = [m for m in slack.workspace.history(GENERAL) if "Road map digest" in m.text]
    assert "Actions delayed (1)" in text_of([digest])
    assert (
        "Action 12.1, Auto-enrol free school meals: contractor changed, new date March "
        "(Thu 7 Jan 2027)" in text_of([digest])
    )

    # So does the plan, for anyone who asks.
    plan = text_of(await slack.command(OUTSIDER, GENERAL, "12 plan"))
    assert "12. Fewer children grow up in poverty: delivery plan" in plan
    assert "1 action: 1 delayed" in plan
    assert "*12.1 Auto-enrol free school meals*  🟠 *Delayed*" in plan
    assert (
        "Last update: Thu 7 Jan 2027, <@U0CHILDLEA2>: Delayed — contractor changed, new date "
        "March" in plan
    )


async def test_give_an_update_opens_a_form_and_says_what_was_recorded(
    slack: SlackHarness, clock: Clock
) -> None:
    await slack.command(LEAD, CHILDREN, "12 plan add Saturday clinics due 2027-03-31 share")
    [card] = [m for m in slack.workspace.history(CHILDREN) if m.user == BOT.id]
    assert "12.1 Saturday clinics" in text_of([card])
    clicked = await slack.playground.people.click(
        LEAD.id, action_id="waymark.update_action", channel_id=CHILDREN, message_ts=card.ts
    )
    assert clicked.delivery is not None
    assert clicked.delivery.status == 200
    await slack.settle()
    [view] = [v for v in slack.workspace.views.values() if v.user_id == LEAD.id]
    assert view.spec["title"]["text"] == "Update action 12.1"
    state = next(b for b in view.spec["blocks"] if b.get("block_id") == "state")
    assert state["element"]["initial_option"]["value"] == "not_started"
    assert [o["text"]["text"] for o in state["element"]["options"]] == [
        "Not started", "On track", "Delayed", "Complete", "Cancelled",
    ]  # fmt: skip
    empty = await slack.playground.people.submit(LEAD.id, view.id, {"state": "not_started"})
    assert empty.errors  # the line is needed: the form stays open
    good = await slack.playground.people.submit(
        LEAD.id, view.id, {"state": "on_track", "line": "Two clinics booked"}
    )
    assert good.errors == {}
    await slack.settle()
    assert slack.bot_replies(CHILDREN, card.ts)[-1].text == (
        "Recorded an update to action 12.1 (Saturday clinics): On track — Two clinics booked. "
        "State: not started → on track."
    )
    # The card's thread takes updates too.
    await slack.reply(LEAD, CHILDREN, card.ts, "complete")
    async with slack.running.db.reading() as session:
        action = await PlanRepository(session).action(12, 1)
    assert action is not None
    assert action.state == "complete"

    # Someone who may not update it is told who can.
    await slack.playground.people.click(
        OUTSIDER.id, action_id="waymark.update_action", channel_id=CHILDREN, message_ts=card.ts
    )
    await slack.settle()
    assert not [v for v in slack.workspace.views.values() if v.user_id == OUTSIDER.id]
    told = text_of(slack.workspace.ephemerals(OUTSIDER.id, CHILDREN))
    assert "Only action 12.1's owner, the leads of the Children's Trust Board" in told


async def test_mine_shows_the_actions_a_person_owns(slack: SlackHarness) -> None:
    await slack.command(LEAD, CHILDREN, "12 plan add Saturday clinics owner <@U0CHILDLEA2>")
    mine = text_of(await slack.command(LEAD_2, CHILDREN, "mine"))
    assert "Your outcomes" in mine
    assert "Your actions" in mine
    assert "12.1 Saturday clinics" in mine
