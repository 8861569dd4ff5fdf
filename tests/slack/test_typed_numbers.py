"""Outcome numbers and figures however they are typed or forged: "there is no outcome N" or
what to type instead, never a crash, on SQLite (int64) and PostgreSQL (int4) alike."""

import pytest

from tests.slack.harness import CHILDREN, GENERAL, LEAD, OUTSIDER, SlackHarness
from tests.slack.test_outcome_command import text_of
from tests.slack.test_thread_readings import readings_of, shared_card


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2147483648", "There is no outcome 2147483648: outcomes are numbered 12 to 20"),
        ("9223372036854775808", "There is no outcome 9223372036854775808"),
        ("99999999999999999999", "There is no outcome 99999999999999999999"),
        ("9" * 200, "There is no outcome 99999999999999999999…"),
        ("99999999999999999999 history", "There is no outcome 99999999999999999999"),
        ("²", "'²' is not an outcome number: write it like 12."),
        ("٣ history", "'٣' is not an outcome number: write it like 12."),
    ],
)
async def test_any_outcome_number_is_answered_not_crashed_on(
    slack: SlackHarness, typed: str, says: str
) -> None:
    shown = await slack.command(OUTSIDER, GENERAL, typed)
    assert says in text_of(shown)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("9" * 30, "There is no outcome 999999999999999999999999999999"),
        ("twelve", "That button does nothing any more."),
        ("²", "That button does nothing any more."),
    ],
)
async def test_a_button_carrying_a_number_no_database_holds_or_words_is_answered(
    slack: SlackHarness, value: str, says: str
) -> None:
    thread = await shared_card(slack)
    card = slack.workspace.message(CHILDREN, thread)
    for block in card.blocks or []:
        if "accessory" in block:
            block["accessory"]["value"] = value  # as a forged click would carry
    outcome = await slack.playground.people.click(
        LEAD.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=thread
    )
    await slack.settle()
    assert outcome.delivery is not None
    assert outcome.delivery.status == 200
    assert says in text_of(slack.workspace.ephemerals(LEAD.id, CHILDREN))


async def test_two_figures_a_pound_for_a_percentage_and_minus_zero_in_a_thread(
    slack: SlackHarness,
) -> None:
    thread = await shared_card(slack)
    await slack.reply(LEAD, CHILDREN, thread, "8.2 9.1")
    await slack.reply(LEAD, CHILDREN, thread, "£5 2025/26")
    await slack.reply(LEAD, CHILDREN, thread, "1" + "0" * 399)
    said = [m.text for m in slack.bot_replies(CHILDREN, thread)]
    assert "'8.2 9.1' is two figures; give one" in said[0]
    assert "'£5' has a £, but this outcome is measured in %" in said[1]
    assert "far larger than any figure on the road map" in said[2]
    assert "inf" not in said[2]
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]


async def test_minus_zero_by_command_is_recorded_and_echoed_as_zero(slack: SlackHarness) -> None:
    asked = text_of(await slack.command(LEAD, CHILDREN, "13 submit -0 2025-Q3"))
    assert "You wrote 0% — far below the last reading" in asked
    assert "-0%" not in asked
    kept = text_of(await slack.command(LEAD, CHILDREN, "13 submit -0 2025-Q3 closed confirm"))
    assert "-0%" not in kept
    assert ("2025-Q3", 0.0, True) in await readings_of(slack, 13)
