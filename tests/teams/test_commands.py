"""Commands typed in Teams, through the real Teams app: what the person sees on the card."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from tests.teams.activities import (
    GENERAL,
    LEAD,
    channel_message,
    personal_chat_id,
    personal_message,
)
from tests.teams.connector import entries, find, words_of
from tests.teams.harness import TeamsHarness, teams_harness


async def test_outcome_in_a_personal_chat_answers_with_the_status_card(teams: TeamsHarness) -> None:
    status, _ = await teams.send(personal_message(teams.service_url, "outcome 12"))
    assert status == 200
    [answer] = teams.connector.to(personal_chat_id(LEAD))
    card = answer.card
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    facts = {f["title"]: f["value"] for f in find(card, "FactSet")[0]["facts"]}
    assert facts["Latest reading"] == "36% for 2024/25"
    assert facts["Expected"] == "35% for 2024/25"
    assert "Fewer children grow up in poverty" in answer.words
    assert "🟠 At risk" in answer.words


async def test_a_channel_message_mentioning_waymark_is_answered_in_its_thread(
    teams: TeamsHarness,
) -> None:
    message = channel_message(teams.service_url, "outcome list")
    status, _ = await teams.send(message)
    assert status == 200
    [answer] = teams.connector.sent
    assert answer.conversation_id == f"{GENERAL};messageid={message['id']}"
    # One compact entry per outcome, to fit a narrow chat column: no table whose `#` wraps.
    assert not find(answer.card, "Table")
    rows = entries(answer.card)
    assert [r[0].split(".")[0] for r in rows] == ["12", "13", "20"]
    assert rows[0][0] == "12. Fewer children grow up in poverty"
    assert rows[0][1] == "Latest: 36% (2024/25) · Status: At risk · OVERDUE 2025/26"


async def test_commands_are_written_as_teams_users_type_them(teams: TeamsHarness) -> None:
    await teams.send(channel_message(teams.service_url, "help"))
    [answer] = teams.connector.sent
    assert "@waymark outcome 12 history" in answer.words or "@waymark outcome N" in answer.words
    assert "/outcome" not in answer.words
    # Each command on a line of its own, in Teams' words: no Slack `share` here.
    lines = [b["text"] for b in find(answer.card, "TextBlock")]
    assert (
        "@waymark outcome N history — every reading against the path to 2040, with a chart" in lines
    )
    assert (
        "@waymark outcome list [AREA] — every outcome (or one priority area's) with its status"
        in (lines)
    )
    assert "share" not in answer.words
    assert "press Submit reading" in answer.words


async def test_hello_is_greeted_with_what_waymark_can_do(teams: TeamsHarness) -> None:
    await teams.send(personal_message(teams.service_url, "hello"))
    [answer] = teams.connector.to(personal_chat_id(LEAD))
    assert answer.words.startswith("Hello: I am waymark")
    assert "outcome N history" in answer.words
    assert "Outcomes about" not in answer.words


async def test_a_channel_message_not_for_waymark_is_left_alone(teams: TeamsHarness) -> None:
    """With ChannelMessage.Read.Group Teams sends every channel message; only those that
    mention waymark, or reply in its threads, are for it."""
    status, _ = await teams.send(
        channel_message(teams.service_url, "outcome 12 looks worse", mention=False)
    )
    assert status == 200
    assert teams.connector.sent == []


async def test_history_sends_its_chart_as_an_image_after_the_card(teams: TeamsHarness) -> None:
    await teams.send(personal_message(teams.service_url, "outcome 13 history"))
    card, chart = teams.connector.to(personal_chat_id(LEAD))
    rows = entries(card.card)
    assert [row[0] for row in rows] == ["2024-Q2", "2024-Q3"]
    # Headers stay whole words beside their values, and people are named, not their ids.
    assert rows[0][1].startswith("Reading: 86% · Expected: 85.5% · Status: On track · By: ")
    assert "aad-" not in rows[0][1]
    [image] = find(chart.card, "Image")
    assert image["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert image["altText"]


async def test_a_mistake_says_what_to_type_instead(teams: TeamsHarness) -> None:
    await teams.send(personal_message(teams.service_url, "outcome 99"))
    [answer] = teams.connector.sent
    assert "There is no outcome 99: outcomes are numbered 12 to 20." in answer.words
    assert "**outcome 12**" in answer.words  # typed in a personal chat without @waymark


async def test_without_a_token_teams_requests_are_refused_when_credentials_are_set(
    db: Database, now: datetime
) -> None:
    async with teams_harness(
        db,
        now,
        TEAMS_ALLOW_ANONYMOUS="false",
        TEAMS_CLIENT_ID="5f1c2a34-8d2e-4f5b-9b57-000000waymark",
        TEAMS_CLIENT_SECRET="not-a-real-secret",
        TEAMS_TENANT_ID="72f988bf-0000-4000-8000-2d7cd011db47",
    ) as teams:
        assert not teams.running.anonymous
        status, _ = await teams.send(personal_message(teams.service_url, "outcome 12"))
        assert status == 401
        teams.headers = {"Authorization": "Bearer not.a.token"}
        assert teams.connector.sent == []


async def test_the_status_cards_box_takes_a_reading_in_a_personal_chat(teams: TeamsHarness) -> None:
    await teams.send(personal_message(teams.service_url, "outcome 12"))
    [card] = teams.connector.to(personal_chat_id(LEAD))
    assert [b["id"] for b in find(card.card, "Input.Number")] == ["value-12"]
    submit = personal_message(teams.service_url, "")
    submit |= {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "replyToId": card.id,
        "value": {
            "action": {
                "type": "Action.Execute",
                "verb": "waymark.submit_reading",
                "data": {"action": "waymark.submit_reading", "outcome": 12, "value-12": "abc"},
            }
        },
    }
    status, answer = await teams.send(submit)
    assert status == 200
    shown = "\n".join(words_of(answer["value"]))
    assert "⚠️ 'abc' is not a number. Type the value on its own" in shown


async def test_a_private_answer_goes_to_the_persons_own_chat(teams: TeamsHarness) -> None:
    """`@waymark outcome 12 private` in a channel: the card goes to the person's chat with
    waymark and the thread only says so; before they have such a chat, the thread has the
    answer with a note saying how to get private answers."""
    message = channel_message(teams.service_url, "outcome 12 private")
    await teams.send(message)
    [in_thread] = teams.connector.sent
    assert in_thread.words.startswith("I cannot answer you privately yet")
    assert "Fewer children grow up in poverty" in in_thread.words

    await teams.send(personal_message(teams.service_url, "hello"))
    before = len(teams.connector.to(personal_chat_id(LEAD)))
    message = channel_message(teams.service_url, "outcome 12 private")
    await teams.send(message)
    [card] = teams.connector.to(personal_chat_id(LEAD))[before:]
    assert "Fewer children grow up in poverty" in card.words
    [note] = teams.connector.to(f"{GENERAL};messageid={message['id']}")
    assert note.words == "I have answered you in your own chat with waymark."
