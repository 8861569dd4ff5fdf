"""Exactly once, through failures: a crash between posting and marking sent, an answer lost on
the way back, refusals, rate limits. Slack is the local fake Web API, reached through waymark's
own SlackMessenger, so the message metadata and the history lookup are the real ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.slack.messenger import SlackMessenger, posting_client
from bot.wiring import Runtime
from commands.delivery.outbox import drain
from commands.ports import DeliveryError
from commands.presentation.replies import Reply
from config.settings import Settings
from config.targets import Target
from playground.standin import BOT_TOKEN, StandIn, running_standin
from scheduler.jobs import JobContext, tick
from storage.db import Database
from storage.repositories import OutboxRepository, PostRepository
from tests.scheduler.conftest import CHILDREN, ECONOMY, PROGRAMME, at, context
from tests.scheduler.fakes import FakeMessenger

TEN = at("2026-03-02T10:00")
EXPECTED = [
    "reminder:children:13:2025-Q4:1",
    "reminder:economy:20:2024:4",
    "escalation:economy:20:2024:3",
]


class ProcessDiedError(BaseException):
    """The process dies here: nothing after it runs, as after a kill."""


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


def slack_context(db: Database, slack: StandIn) -> JobContext:
    # A new messenger and client, as a restarted process would have. No pacing wait in tests.
    messenger = SlackMessenger(posting_client(BOT_TOKEN, slack.api_url), interval=0)
    ctx = context(db, FakeMessenger())
    return JobContext(
        db=ctx.db,
        messengers={"slack": messenger},
        timetable=ctx.timetable,
        programme=Target("slack", PROGRAMME),
    )


@pytest.fixture
async def restarted(roadmap: Database) -> AsyncIterator[Database]:
    """The same database, through a new engine: what a restarted process connects with."""
    again = Database(roadmap.url.render_as_string(hide_password=False))
    try:
        yield again
    finally:
        await again.dispose()


async def outbox_states(db: Database) -> dict[str, str]:
    async with db.reading() as session:
        return {r.key: r.state for r in await OutboxRepository(session).everything()}


async def test_a_crash_after_posting_and_before_marking_sent_posts_nothing_twice(
    roadmap: Database, restarted: Database, slack: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash(*args: Any, **kwargs: Any) -> bool:
        raise ProcessDiedError

    monkeypatch.setattr(OutboxRepository, "mark_sent", crash)
    monkeypatch.setattr(OutboxRepository, "release", crash)  # a dead process gives nothing back
    with pytest.raises(ProcessDiedError):
        await tick(slack_context(roadmap, slack), TEN)
    # The first message reached the channel; the process died before recording that.
    assert slack.post_keys() == [EXPECTED[0]]
    monkeypatch.undo()

    ctx = slack_context(restarted, slack)
    await tick(ctx, TEN + timedelta(minutes=1))
    # Its claim still holds (5 minutes): nobody touches those messages yet.
    assert slack.post_keys() == [EXPECTED[0]]

    await tick(ctx, TEN + timedelta(minutes=6))
    # The claim ran out: the posted message is found by its key, not posted again; the two
    # never begun are posted without looking.
    assert slack.post_keys() == EXPECTED
    assert slack.calls.count("conversations.history") == 1
    assert await outbox_states(restarted) == dict.fromkeys(EXPECTED, "sent")
    # And replies in the first message's thread will be read as readings of outcome 13.
    first = slack.in_channel(CHILDREN)[0]
    async with restarted.reading() as session:
        post = await PostRepository(session).find("slack", CHILDREN, first.ts)
    assert post is not None
    assert post.outcomes == [13]

    await tick(ctx, TEN + timedelta(hours=1))
    assert slack.post_keys() == EXPECTED


async def test_an_answer_lost_after_posting_is_looked_for_before_any_new_attempt(
    roadmap: Database, slack: StandIn
) -> None:
    ctx = slack_context(roadmap, slack)
    slack.lose_next_answer()
    await tick(ctx, TEN)
    assert slack.post_keys() == EXPECTED  # the first was posted, though waymark never heard so
    assert (await outbox_states(roadmap))[EXPECTED[0]] == "sending"

    await tick(ctx, TEN + timedelta(seconds=30))
    await tick(ctx, TEN + timedelta(minutes=1))
    assert slack.post_keys() == EXPECTED
    assert await outbox_states(roadmap) == dict.fromkeys(EXPECTED, "sent")
    assert slack.calls.count("conversations.history") == 1


async def test_a_server_error_after_posting_is_looked_for_not_posted_again(
    roadmap: Database, slack: StandIn
) -> None:
    ctx = slack_context(roadmap, slack)
    slack.fail_after_posting(503)
    await tick(ctx, TEN)
    assert slack.post_keys() == EXPECTED  # Slack posted the first, then answered 503
    assert (await outbox_states(roadmap))[EXPECTED[0]] == "sending"

    await tick(ctx, TEN + timedelta(minutes=2))
    assert slack.post_keys() == EXPECTED
    assert await outbox_states(roadmap) == dict.fromkeys(EXPECTED, "sent")


async def test_a_refused_post_is_tried_again_later_and_posted_once(
    roadmap: Database, slack: StandIn
) -> None:
    ctx = slack_context(roadmap, slack)
    slack.refuse_next_post("not_in_channel")
    await tick(ctx, TEN)
    assert slack.post_keys() == EXPECTED[1:]
    async with roadmap.reading() as session:
        (waiting,) = await OutboxRepository(session).unsent()
    assert waiting.key == EXPECTED[0]
    assert waiting.last_error == "Slack refused the post: not_in_channel"
    assert waiting.not_before == TEN + timedelta(minutes=1)

    await tick(ctx, TEN + timedelta(minutes=1))
    assert sorted(k or "" for k in slack.post_keys()) == sorted(EXPECTED)
    assert slack.in_channel(ECONOMY)[0].key == EXPECTED[1]
    # A refusal means it was not posted: nothing to look for before posting again.
    assert slack.calls.count("conversations.history") == 0


async def test_a_post_that_cannot_be_checked_waits_for_an_operator_and_is_not_posted_twice(
    roadmap: Database, slack: StandIn, tz: ZoneInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = slack_context(roadmap, slack)
    slack.lose_next_answer()
    await tick(ctx, TEN)
    assert slack.post_keys() == EXPECTED
    # The app was installed without channels:history: waymark cannot see whether it arrived.
    slack.refuse_history("missing_scope")
    report = await drain(ctx.db, ctx.messengers, TEN + timedelta(minutes=2))
    async with roadmap.reading() as session:
        parked = await OutboxRepository(session).by_key(EXPECTED[0])
    assert parked is not None
    assert parked.state == "unconfirmed"
    assert report.lines(tz) == [
        "Perhaps posted, and waymark cannot check: reminder to Children's Trust Board: outcome "
        f"13 (2025-Q4), to {CHILDREN} (Slack will not let waymark read {CHILDREN} to check "
        "(missing_scope): give the app the channels:history scope and invite it to the "
        f"channel). Look in the channel: if it is there, `waymark outbox --posted {parked.id}`; "
        f"if not, `waymark outbox --retry {parked.id}`."
    ]
    for later in (TEN + timedelta(hours=1), TEN + timedelta(days=1)):
        await tick(ctx, later)
    assert slack.post_keys() == EXPECTED

    # The operator looks, finds it in the channel, and says so.
    rt = Runtime(Settings.model_validate({}), roadmap, tz, TEN + timedelta(days=1))
    args = cli.build_parser().parse_args(["outbox"])
    assert await args.handler(args, rt) == 0
    listing = capsys.readouterr().out
    assert f"Unconfirmed ({parked.id}): these may have been posted" in listing
    args = cli.build_parser().parse_args(["outbox", "--posted", str(parked.id)])
    assert await args.handler(args, rt) == 0
    assert capsys.readouterr().out == (
        f"Message {parked.id} (reminder to Children's Trust Board: outcome 13 (2025-Q4)) is "
        "marked posted; waymark will not post it.\nReplies in its thread will not be read as "
        "readings: to have them read, run `waymark outbox --posted "
        f"{parked.id} --message MSG` with the message's link (its 'Copy link').\n"
    )
    assert await outbox_states(roadmap) == dict.fromkeys(EXPECTED, "sent")
    await tick(ctx, TEN + timedelta(days=2))
    assert slack.post_keys() == EXPECTED


async def test_a_message_that_keeps_failing_is_kept_not_dropped_and_can_be_retried(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    refusal = DeliveryError("Slack refused the post: channel_not_found", ambiguous=False)
    messenger.failures[CHILDREN] = [refusal] * 10
    await tick(ctx, TEN)
    # Tried again after 1, 2, 4 … minutes, never more than an hour apart: once an hour here.
    moments = [TEN + timedelta(hours=h) for h in range(1, 8)]
    moments += [at("2026-03-03T09:00") + timedelta(hours=h) for h in range(8)]
    for moment in moments:
        await drain(ctx.db, ctx.messengers, moment)
    async with roadmap.reading() as session:
        (failed,) = await OutboxRepository(session).unsent()
    assert (failed.key, failed.state, failed.attempts, failed.last_error) == (
        EXPECTED[0],
        "failed",
        10,
        "Slack refused the post: channel_not_found",
    )
    # The other messages went out in spite of it.
    assert messenger.channels.keys() == EXPECTED[1:]

    async with roadmap.transaction() as session:
        await OutboxRepository(session).requeue(failed.id, moments[-1])
    await drain(ctx.db, ctx.messengers, moments[-1])
    assert messenger.channels.keys() == [*EXPECTED[1:], EXPECTED[0]]


async def test_a_fault_on_one_message_does_not_hold_up_the_others(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    messenger.failures[CHILDREN] = [RuntimeError("a bug in rendering")]
    ctx = context(roadmap, messenger)
    await tick(ctx, TEN)
    assert messenger.channels.keys() == EXPECTED[1:]
    # The faulty one may have reached the channel: it is looked for before it is posted.
    assert (await outbox_states(roadmap))[EXPECTED[0]] == "sending"
    await tick(ctx, TEN + timedelta(minutes=2))
    assert messenger.channels.keys() == [*EXPECTED[1:], EXPECTED[0]]


async def test_stopping_mid_batch_gives_back_the_messages_not_yet_tried(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    messenger.failures[CHILDREN] = [asyncio.CancelledError()]  # waymark is shutting down
    ctx = context(roadmap, messenger)
    with pytest.raises(asyncio.CancelledError):
        await tick(ctx, TEN)
    states = await outbox_states(roadmap)
    assert [states[key] for key in EXPECTED] == ["sending", "pending", "pending"]
    async with roadmap.reading() as session:
        untried = await OutboxRepository(session).by_key(EXPECTED[1])
    assert untried is not None
    assert untried.attempts == 0

    await tick(ctx, TEN + timedelta(minutes=1))  # the untried go out at once
    assert messenger.channels.keys() == EXPECTED[1:]
    await tick(ctx, TEN + timedelta(minutes=6))  # the interrupted one, once its lease ran out
    assert messenger.channels.keys() == [*EXPECTED[1:], EXPECTED[0]]


async def test_a_sender_whose_claim_ran_out_leaves_the_message_to_the_one_that_took_over(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    messenger.failures[CHILDREN] = [DeliveryError("timed out", ambiguous=True)]
    await tick(ctx, TEN)
    assert messenger.channels.keys() == EXPECTED[1:]

    async def meanwhile_another_replica_runs() -> None:
        # This look outlasts its sender's lease: another replica takes the message over.
        await drain(ctx.db, ctx.messengers, TEN + timedelta(minutes=8))

    messenger.while_looking = meanwhile_another_replica_runs
    await drain(ctx.db, ctx.messengers, TEN + timedelta(minutes=2))
    # Neither found it; the replica that took over posted it, and the first one did not.
    assert messenger.channels.keys() == [*EXPECTED[1:], EXPECTED[0]]
    assert await outbox_states(roadmap) == dict.fromkeys(EXPECTED, "sent")


async def test_a_long_pass_times_its_retries_by_the_clock_not_by_when_it_began(
    roadmap: Database,
) -> None:
    clock = [TEN]

    class SlowMessenger(FakeMessenger):
        async def post(
            self,
            channel_id: str,
            reply: Reply,
            *,
            key: str | None = None,
            thread_id: str | None = None,
        ) -> str:
            clock[0] += timedelta(minutes=10)  # each post takes ten minutes
            return await super().post(channel_id, reply, key=key, thread_id=thread_id)

    messenger = SlowMessenger()
    messenger.failures[ECONOMY] = [
        DeliveryError("Slack refused the post: fatal_error", ambiguous=False)
    ]
    ctx = replace(context(roadmap, messenger), clock=lambda: clock[0])
    await tick(ctx, TEN)
    async with roadmap.reading() as session:
        refused = await OutboxRepository(session).by_key(EXPECTED[1])
    assert refused is not None
    # Its turn came ten minutes into the pass: it is tried again a minute after that.
    assert refused.not_before == TEN + timedelta(minutes=11)


async def test_a_rate_limit_is_waited_out_as_slack_asks(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    messenger.failures[CHILDREN] = [
        DeliveryError("Slack refused the post: ratelimited", ambiguous=False, retry_after=600)
    ]
    ctx = context(roadmap, messenger)
    await tick(ctx, TEN)
    assert messenger.channels.keys() == EXPECTED[1:]
    await tick(ctx, TEN + timedelta(minutes=9))
    assert messenger.channels.keys() == EXPECTED[1:]
    await tick(ctx, TEN + timedelta(minutes=10))
    assert messenger.channels.keys() == [*EXPECTED[1:], EXPECTED[0]]


async def test_a_failed_reminder_is_not_retried_out_of_hours(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    messenger.failures[CHILDREN] = [
        DeliveryError("Slack refused the post: fatal_error", ambiguous=False)
    ]
    ctx = context(roadmap, messenger)
    late = at("2026-03-06T17:29")  # Friday, a minute before the end of working hours
    await tick(ctx, late)
    posted = len(messenger.sent)
    for moment in (at("2026-03-06T17:31"), at("2026-03-07T10:00"), at("2026-03-09T08:59")):
        await tick(ctx, moment)
    assert len(messenger.sent) == posted
    await tick(ctx, at("2026-03-09T09:00"))
    assert len(messenger.sent) == posted + 1
