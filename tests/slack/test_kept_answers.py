"""A card kept in memory is sent as it was encoded when it was kept (`bot.slack.slash`): what
Slack receives is byte for byte what acknowledging with the card drawn afresh would send."""

from slack_bolt.async_app import AsyncAck

from bot.slack import render
from commands.events import Command
from tests.slack.harness import GENERAL, OUTSIDER, SlackHarness


async def test_a_kept_card_is_what_drawing_it_afresh_would_send(slack: SlackHarness) -> None:
    services = slack.running.services
    assert services is not None
    # Worked out and kept (and the asker's name learnt, which changes the card), then asked
    # again: from memory.
    sent = []
    for _ in range(3):
        outcome = await slack.playground.people.run_command(OUTSIDER.id, GENERAL, "/outcome 12")
        assert outcome.delivery is not None
        sent.append(outcome.delivery)
        await slack.settle()
    assert services.core.answers.hits >= 1
    reply = await services.core.command(Command("slack", GENERAL, OUTSIDER.id, "12"))
    ack = AsyncAck()  # type: ignore[no-untyped-call]  # Bolt leaves its __init__ unannotated
    drawn = await ack(response_type="ephemeral", **render.message(reply))
    assert "12. Fewer children grow up in poverty" in drawn.body
    for delivery in sent:
        assert (delivery.status, delivery.content_type) == (200, "application/json")
        assert delivery.body == drawn.body
