"""A rate limit longer than a claim: Slack answers a post with 429 and Retry-After 330 (five and
a half minutes, longer than the outbox's five-minute lease). The sender must not sleep on it
inside the call, where a second sender would take the row over when the lease ran out and both
would post: the row goes back to the outbox until Slack's time, and is posted once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from playground.standin import StandIn, running_standin
from scheduler.jobs import tick
from storage.db import Database
from storage.repositories import OutboxRepository
from tests.scheduler.test_outbox import EXPECTED, TEN, slack_context

RETRY_AFTER = 330


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.fixture
async def other_process(roadmap: Database) -> AsyncIterator[Database]:
    """The same database through a second engine: a second `waymark scheduler` process."""
    again = Database(roadmap.url.render_as_string(hide_password=False))
    try:
        yield again
    finally:
        await again.dispose()


async def test_a_long_retry_after_gives_the_row_back_and_two_senders_post_it_once(
    roadmap: Database, other_process: Database, slack: StandIn
) -> None:
    first, second = slack_context(roadmap, slack), slack_context(other_process, slack)
    slack.faults(lambda f: f.rate_limit("chat.postMessage", retry_after=RETRY_AFTER))
    # A guard against a hang, not a measure of speed: the pass takes milliseconds, and the
    # sleep it must not take is five and a half minutes.
    async with asyncio.timeout(60):
        await tick(first, TEN)
    assert slack.post_keys() == EXPECTED[1:]
    async with roadmap.reading() as session:
        waiting = await OutboxRepository(session).by_key(EXPECTED[0])
    assert waiting is not None
    assert (waiting.state, waiting.posting) == ("pending", False)
    assert waiting.not_before == TEN + timedelta(seconds=RETRY_AFTER)

    # Both senders keep ticking; neither posts it before Slack's time, and then one does.
    for moment in (timedelta(minutes=1), timedelta(minutes=5), timedelta(seconds=329)):
        await asyncio.gather(tick(first, TEN + moment), tick(second, TEN + moment))
        assert slack.post_keys() == EXPECTED[1:]
    for moment in (timedelta(seconds=RETRY_AFTER), timedelta(minutes=6), timedelta(hours=1)):
        await asyncio.gather(tick(first, TEN + moment), tick(second, TEN + moment))
    assert sorted(k or "" for k in slack.post_keys()) == sorted(EXPECTED)
    assert slack.calls.count("chat.postMessage") == len(EXPECTED) + 1  # the 429, then each once
    # Refused by a 429, it was never posted: nothing to look for before posting it.
    assert slack.calls.count("conversations.history") == 0
