"""Commands typed in Teams, through the real Teams app: what the person sees on the card."""

from __future__ import annotations

from tests.teams.activities import (
    LEAD,
    personal_chat_id,
    personal_message,
)
from tests.teams.connector import find
from tests.teams.harness import TeamsHarness


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
    print(answer.words)
