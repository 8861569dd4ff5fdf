"""Delivery plans in Teams, through the real Teams app: a lead adds an action to outcome 12 in
the Children's Trust channel, its owner is reminded there when it goes quiet, replies in the
reminder's thread and uses the boxes on its card; the digest and `outcome 12 plan` show it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.wiring import timetable_from
from config.settings import Settings
from config.targets import Target
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from storage.db import Database
from tests.scheduler.conftest import at
from tests.teams.activities import (
    ADMIN,
    BOT_NAME,
    CHILDREN,
    LEAD,
    OUTSIDER,
    card_submit,
    channel_message,
    installed_in_team,
    personal_chat_id,
    personal_message,
)
from tests.teams.connector import Sent, find
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness

TEAMS_DIGEST = "19:roadmap-digest@thread.tacv2"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, clock: Clock
) -> AsyncIterator[TeamsHarness]:
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now, clock=clock) as harness:
        status, _ = await harness.send(installed_in_team(harness.service_url))
        assert status == 200
        yield harness


def jobs(teams: TeamsHarness) -> JobContext:
    """The scheduler's passes with Teams to post to (the Slack group's messages wait)."""
    return JobContext(
        db=teams.db,
        messengers={"teams": teams.running.messenger},
        timetable=timetable_from(Settings.model_validate({})),
        digest_targets=(Target("teams", TEAMS_DIGEST),),
    )


def mentioning(text: str, person_name: str, person: dict[str, str]) -> dict[str, object]:
    """The mention entity Teams adds when someone is @mentioned in a message."""
    return {"type": "mention", "text": f"<at>{person_name}</at>", "mentioned": person}


async def test_an_action_from_its_adding_to_the_digest_in_teams(
    teams: TeamsHarness, clock: Clock
) -> None:
    # An administrator adds an action for Priya, naming her with an @mention.
    message = channel_message(
        teams.service_url,
        "outcome 12 plan add Saturday MMR clinics due March 2027 owner <at>Priya Shah</at> "
        "lead Luton Council",
        person=ADMIN,
        channel=CHILDREN,
    )
    entities = message["entities"]
    assert isinstance(entities, list)
    entities.append(mentioning("", "Priya Shah", LEAD.account()))
    assert (await teams.send(message))[0] == 200
    [added] = teams.connector.to(f"{CHILDREN};messageid={message['id']}")
    assert "Added action 12.1 to outcome 12's delivery plan." in added.words
    assert "<at>Priya Shah</at>" in added.words  # the owner, named as Teams names people

    # Six weeks later, Thursday 7 January 2027, Priya is asked for an update in the channel.
    clock.now = at("2027-01-07T10:00")
    said = await send_reminders(jobs(teams), clock.now)
    assert f"Posted: update reminder for action 12.1 to Children's Trust Board, to {CHILDREN}." in (
        said.splitlines()
    )
    [reminder] = [m for m in teams.connector.to(CHILDREN) if "Update needed" in m.words]
    assert "has had no update since it began on Thu 26 Nov 2026" in reminder.words
    [named] = reminder.card["msteams"]["entities"]
    assert named["mentioned"] == {"id": LEAD.aad, "name": "Priya Shah"}

    # She replies in its thread, without mentioning waymark.
    clock.now = at("2027-01-07T11:30")
    thread = f"{CHILDREN};messageid={reminder.id}"
    reply = channel_message(
        teams.service_url,
        "delayed — contractor changed, new date March",
        channel=CHILDREN,
        thread=reminder.id,
        mention=False,
    )
    assert (await teams.send(reply))[0] == 200
    assert (await teams.send(reply))[0] == 200  # Teams delivering it again changes nothing
    [confirmation] = teams.connector.to(thread)
    assert confirmation.words == (
        "Recorded an update to action 12.1 (Saturday MMR clinics): Delayed — contractor "
        "changed, new date March. State: not started → delayed."
    )

    # Monday's digest, in the digest channel, lists it as delayed.
    await teams.send(channel_message(teams.service_url, "hello", channel=TEAMS_DIGEST))
    await send_weekly_digest(jobs(teams), at("2027-01-11T09:30"))
    await teams.settle()
    [digest] = [m for m in teams.connector.in_channel(TEAMS_DIGEST) if "digest" in m.words]
    assert "Actions delayed (1)" in digest.words
    assert "Action 12.1, Saturday MMR clinics: contractor changed, new date March" in digest.words

    # The plan, asked for in a personal chat.
    await teams.send(personal_message(teams.service_url, "outcome 12 plan", person=OUTSIDER))
    [plan] = teams.connector.to(personal_chat_id(OUTSIDER))
    assert "12. Fewer children grow up in poverty: delivery plan" in plan.words
    assert "🟠 Delayed" in plan.words
    assert "Delayed — contractor changed, new date March" in plan.words

    # The boxes on the reminder's card record an update as well.
    [box] = find(reminder.card, "Input.ChoiceSet")
    action_id = int(box["id"].removeprefix("state-"))
    assert [c["value"] for c in box["choices"]][:3] == ["not_started", "on_track", "delayed"]
    [give] = [a for a in find(reminder.card, "Action.Execute") if a["title"] == "Give an update"]
    assert give["data"] == {"action": "waymark.update_action", "action_id": action_id}
    status, answer = await teams.send(
        card_submit(
            teams.service_url,
            {**give["data"], f"state-{action_id}": "on_track", f"line-{action_id}": "Back on"},
            card_id=reminder.id,
            channel=CHILDREN,
        )
    )
    assert status == 200
    assert answer["value"] == (
        "Recorded an update to action 12.1 (Saturday MMR clinics): On track — Back on. "
        "State: delayed → on track."
    )
    await teams.settle()
    assert teams.connector.to(thread)[-1].words == answer["value"]
    refused = await teams.send(
        card_submit(
            teams.service_url,
            {**give["data"], f"line-{action_id}": "done"},
            card_id=reminder.id,
            channel=CHILDREN,
            person=OUTSIDER,
        )
    )
    assert "Only action 12.1's owner" in refused[1]["value"]


async def test_mine_in_teams_lists_the_actions_a_person_owns(teams: TeamsHarness) -> None:
    await teams.send(
        personal_message(teams.service_url, "outcome 12 plan add Saturday clinics owner me")
    )
    await teams.send(personal_message(teams.service_url, "outcome mine"))
    mine: Sent = teams.connector.to(personal_chat_id(LEAD))[-1]
    assert "Your actions" in mine.words
    assert "12.1 Saturday clinics" in mine.words
    assert BOT_NAME  # the personal chat needs no @mention
