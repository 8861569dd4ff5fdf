"""A reading given in a Teams thread, then edited or deleted, through the real Teams app: an
edit corrects it (the old value stays in the history) and a deletion keeps it, each said in the
thread, as in Slack; a repeated delivery is read once, and an outsider's edit changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from playground.standin import StandIn, running_standin
from scheduler.jobs import send_reminders
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.scheduler.conftest import at
from tests.teams.activities import (
    CHILDREN,
    LEAD,
    OUTSIDER,
    Json,
    Person,
    channel_message,
    deleted_message,
    edited_message,
    undeleted_message,
)
from tests.teams.harness import TeamsHarness
from tests.teams.mixed.both_platforms import install, jobs

OUTCOME_12 = "outcome 12 (Children in relative low-income families)"


async def ask_for_the_card(teams: TeamsHarness) -> Json:
    """`@waymark outcome 12` in the Children's Trust Board's channel: waymark answers with the
    card in the message's thread, where replies are then readings of outcome 12."""
    message = channel_message(teams.service_url, "outcome 12", channel=CHILDREN)
    assert (await teams.send(message))[0] == 200
    [card] = said(teams, message["id"])
    assert "Fewer children grow up in poverty" in card
    return message


async def card_thread(teams: TeamsHarness) -> str:
    """The id of the thread of outcome 12's card."""
    return str((await ask_for_the_card(teams))["id"])


async def reply(
    teams: TeamsHarness, thread: str, text: str, *, person: Person = LEAD, mention: bool = False
) -> Json:
    """A reply in the thread; without an @mention Teams sends it because of the app's
    ChannelMessage.Read.Group permission."""
    message = channel_message(
        teams.service_url, text, channel=CHILDREN, thread=thread, person=person, mention=mention
    )
    assert (await teams.send(message))[0] == 200
    return message


async def send(teams: TeamsHarness, activity: Json) -> None:
    assert (await teams.send(activity))[0] == 200


def said(teams: TeamsHarness, thread: str) -> list[str]:
    """Everything waymark posted in the thread, as people read it, oldest first."""
    return [s.words for s in teams.connector.to(f"{CHILDREN};messageid={thread}")]


async def readings_of(teams: TeamsHarness, number: int) -> list[tuple[str, float, bool]]:
    """The outcome's history: (period, value, whether it is the period's current reading)."""
    async with teams.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(number)
        assert outcome is not None
        history = await ReadingRepository(session).history(outcome.id)
    return [(r.period, r.value, r.is_current) for r in history]


async def test_editing_a_reading_corrects_it_and_keeps_the_old_value(teams: TeamsHarness) -> None:
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26")
    assert said(teams, thread)[-1].startswith(f"Recorded {OUTCOME_12}, 2025/26: 31%.")

    await send(teams, edited_message(message, "31.2 2025/26"))

    assert await readings_of(teams, 12) == [
        ("2024/25", 36.0, True),
        ("2025/26", 31.0, False),
        ("2025/26", 31.2, True),
    ]
    # 30 expected at 31 Mar 2026; 31.2 misses by 1.2, within 5% of 30 = 1.5: at risk.
    assert said(teams, thread)[-1].startswith(
        f"Thanks for the correction. Recorded {OUTCOME_12}, 2025/26: 31.2%, correcting 31% "
        "(the earlier value stays in the history). Status now: At risk."
    )
    assert len(said(teams, thread)) == 3  # the card, the reading, the correction


async def test_an_edit_with_waymark_mentioned_corrects_the_reading_too(
    teams: TeamsHarness,
) -> None:
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26", mention=True)
    await send(teams, edited_message(message, "30.5 2025/26"))
    assert await readings_of(teams, 12) == [
        ("2024/25", 36.0, True),
        ("2025/26", 31.0, False),
        ("2025/26", 30.5, True),
    ]
    assert said(teams, thread)[-1].startswith(
        f"Thanks for the correction. Recorded {OUTCOME_12}, 2025/26: 30.5%, correcting 31%"
    )


async def test_an_edit_delivered_twice_is_recorded_and_confirmed_once(
    teams: TeamsHarness,
) -> None:
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26")
    edit = edited_message(message, "32 2025/26")
    await send(teams, edit)
    await send(teams, edit)  # Teams delivering the same edit again
    await send(teams, message)  # and the original message, late
    assert await readings_of(teams, 12) == [
        ("2024/25", 36.0, True),
        ("2025/26", 31.0, False),
        ("2025/26", 32.0, True),
    ]
    assert len(said(teams, thread)) == 3

    # A second edit of the same message is a correction of its own.
    await send(teams, edited_message(message, "31.5 2025/26"))
    assert [r for r in await readings_of(teams, 12) if r[0] == "2025/26"] == [
        ("2025/26", 31.0, False),
        ("2025/26", 32.0, False),
        ("2025/26", 31.5, True),
    ]
    assert "correcting 32%" in said(teams, thread)[-1]
    assert len(said(teams, thread)) == 4


async def test_an_edit_that_keeps_the_value_corrects_nothing(teams: TeamsHarness) -> None:
    """Editing the note or spacing of a reading leaves it as it is: no "89% correcting 89%"."""
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26")
    await send(teams, edited_message(message, "31%  2025/26"))
    assert await readings_of(teams, 12) == [("2024/25", 36.0, True), ("2025/26", 31.0, True)]
    assert (
        said(teams, thread)[-1] == f"Already recorded {OUTCOME_12}, 2025/26: 31%: nothing changed."
    )
    assert not any("correcting 31%" in words for words in said(teams, thread))


async def test_an_edit_that_is_no_longer_a_reading_keeps_the_reading(
    teams: TeamsHarness,
) -> None:
    """As in Slack: words that try to be a number are explained, chat is left alone, and the
    reading given before stays current either way (a deletion says how to correct it)."""
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26")

    await send(teams, edited_message(message, "abc"))
    assert said(teams, thread)[-1].startswith("I could not read 'abc' as a number.")
    await send(teams, edited_message(message, "thanks, will do"))
    assert len(said(teams, thread)) == 3  # the card, the reading, the explanation

    assert await readings_of(teams, 12) == [("2024/25", 36.0, True), ("2025/26", 31.0, True)]


async def test_a_mistake_edited_into_a_reading_is_recorded(teams: TeamsHarness) -> None:
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31,2 2025/26")
    assert "is not a number" in said(teams, thread)[-1]
    assert await readings_of(teams, 12) == [("2024/25", 36.0, True)]

    await send(teams, edited_message(message, "31.2 2025/26"))
    assert await readings_of(teams, 12) == [("2024/25", 36.0, True), ("2025/26", 31.2, True)]
    assert said(teams, thread)[-1].startswith(
        f"Thanks for the correction. Recorded {OUTCOME_12}, 2025/26: 31.2%. Status now:"
    )


async def test_deleting_a_reading_keeps_it_and_says_how_to_correct_it(
    teams: TeamsHarness,
) -> None:
    thread = await card_thread(teams)
    message = await reply(teams, thread, "31 2025/26")
    await send(teams, edited_message(message, "31.2 2025/26"))
    before = await readings_of(teams, 12)

    deletion = deleted_message(message)
    await send(teams, deletion)
    assert await readings_of(teams, 12) == before
    assert said(teams, thread)[-1] == (
        "That message was deleted, but the reading it gave (outcome 12, 2025/26: 31.2%) stays "
        "in the history. To correct it, reply here with the right value."
    )
    told = len(said(teams, thread))

    await send(teams, deletion)  # Teams delivering the deletion again
    # Bringing the message back restores nothing: the reading never went away.
    await send(teams, undeleted_message(message))
    assert len(said(teams, thread)) == told
    assert await readings_of(teams, 12) == before

    # Correcting it afterwards, as the notice says, supersedes it.
    await reply(teams, thread, "31.1 2025/26")
    assert (await readings_of(teams, 12))[-2:] == [
        ("2025/26", 31.2, False),
        ("2025/26", 31.1, True),
    ]


async def test_deleting_a_reply_that_gave_no_reading_says_nothing(teams: TeamsHarness) -> None:
    thread = await card_thread(teams)
    chat = await reply(teams, thread, "thanks, will do")
    refused = await reply(teams, thread, "31", person=OUTSIDER)
    told = len(said(teams, thread))
    await send(teams, deleted_message(chat))
    await send(teams, deleted_message(refused))
    assert len(said(teams, thread)) == told


async def test_an_outsiders_edit_is_refused_and_changes_nothing(teams: TeamsHarness) -> None:
    thread = await card_thread(teams)
    await reply(teams, thread, "31 2025/26")
    theirs = await reply(teams, thread, "29 2025/26", person=OUTSIDER)
    assert "Only the leads of the Children's Trust Board" in said(teams, thread)[-1]
    told = len(said(teams, thread))

    await send(teams, edited_message(theirs, "28 2025/26"))

    [refusal] = said(teams, thread)[told:]
    assert refusal.startswith(
        "Only the leads of the Children's Trust Board and administrators can submit readings "
        "for outcome 12. Ask a lead to post it:"
    )
    assert "<at>Priya Shah</at>" in refusal
    assert await readings_of(teams, 12) == [("2024/25", 36.0, True), ("2025/26", 31.0, True)]


async def test_edits_outside_waymarks_threads_are_left_alone(teams: TeamsHarness) -> None:
    # A conversation among people, not started by waymark.
    human = channel_message(teams.service_url, "Figures?", channel=CHILDREN, mention=False)
    await send(teams, human)
    theirs = await reply(teams, human["id"], "31 2025/26")
    await send(teams, edited_message(theirs, "30 2025/26"))
    await send(teams, deleted_message(theirs))
    assert teams.connector.sent == []

    # The message that asked waymark for the card starts its thread; it is not a reply.
    root = await ask_for_the_card(teams)
    thread = root["id"]
    await send(teams, edited_message(root, "31 2025/26"))
    assert len(said(teams, thread)) == 1
    assert await readings_of(teams, 12) == [("2024/25", 36.0, True)]


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.mark.parametrize("now", [at("2026-03-02T10:00")])  # reminders are due
async def test_an_edited_reply_in_a_reminders_thread_corrects_the_reading(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    await send_reminders(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)
    message = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    await send(teams, message)

    await send(teams, edited_message(message, "88.5 2025-Q4"))

    assert (await readings_of(teams, 13))[-2:] == [
        ("2025-Q4", 89.0, False),
        ("2025-Q4", 88.5, True),
    ]
    _, correction = said(teams, reminder.id)
    assert correction.startswith(
        "Thanks for the correction. Recorded outcome 13 (MMR coverage), 2025-Q4: 88.5%, "
        "correcting 89% (the earlier value stays in the history)."
    )
