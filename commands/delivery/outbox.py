"""Sending what the planners queued, each message once.

A sender claims due rows (state `sending`, a claim token, a lease), and just before posting one
it records that posting began and renews the lease, committed; it marks the row sent after. A
crash in between leaves a `sending` row, marked as begun, whose lease runs out: the next
sender, in this process or another, first asks the platform for a message carrying the row's
key (every post carries it) and only posts when there is none. A row claimed but never begun is
posted without looking, and a sender whose claim ran out never posts over another. A refusal
(the platform answered no) is retried later with backoff; an unclear failure (a timeout, a
dropped connection) is looked up before any new attempt. Where the platform cannot be asked, or
asking kept failing, the row is parked `unconfirmed` for an operator: never posted blindly a
second time. Nothing is dropped silently: a row that keeps being refused ends `failed`; both
are logged, and `waymark outbox` lists them with what to do.

A `refresh` row changes a message posted already (its `message_id`, known from the start)
instead of posting one (`refreshes`). Changing a message twice ends as changing it once, so
nothing is looked for before a new attempt and nothing is parked: any failure, clear or not, is
tried again with backoff until it ends `failed`. A row overtaken by a later change to the same
message is done with nothing to do, as is one whose message was deleted: that is never posted
again as a new message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.drain_report import Delivered, DrainReport, Undelivered
from commands.delivery.refreshes import REFRESH
from commands.delivery.reply_codec import CodecError, decode
from commands.domain.calendar import Timetable, may_remind, next_reminder_moment
from commands.ports import CannotLookError, DeliveryError, MessageGoneError, Messenger
from commands.presentation.replies import Reply
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import OutboxRepository, PostRepository

log = logging.getLogger(__name__)

# Long enough for a batch of posts, paced at one a second per channel, with their charts.
LEASE = timedelta(minutes=5)
BATCH = 20
MAX_BATCHES = 50
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, never more than an hour."""
    doublings = min(max(attempts - 1, 0), 10)
    delay: timedelta = FIRST_RETRY * (1 << doublings)
    return min(delay, LAST_RETRY)


async def drain(
    db: Database,
    messengers: Mapping[str, Messenger],
    now: datetime,
    *,
    kinds: Collection[str] | None = None,
    office_hours_kinds: Collection[str] = (),
    timetable: Timetable | None = None,
    lease: timedelta = LEASE,
    clock: Callable[[], datetime] | None = None,
) -> DrainReport:
    """Send every due row (of `kinds`, or all). Rows of `office_hours_kinds` go out only when
    `timetable` allows reminders, and their retries wait for working hours too.

    `now` is when the pass began; `clock` tells the time as it goes on, for claims, leases and
    retries (a pass paced at a message a second can outlast a lease). Without it, `now`
    stands throughout (tests, and `waymark remind --at`)."""
    report = DrainReport()
    waiting = tuple(office_hours_kinds) if timetable and not may_remind(now, timetable) else ()
    current: Callable[[], datetime] = clock or (lambda: now)

    def held() -> datetime:
        return current() + lease

    for _ in range(MAX_BATCHES):
        token = uuid.uuid4().hex
        async with db.transaction() as session:
            rows = await OutboxRepository(session).claim(
                now=current(),
                lease=lease,
                token=token,
                limit=BATCH,
                kinds=list(kinds) if kinds is not None else None,
                except_kinds=waiting,
            )
        if not rows:
            break
        for index, row in enumerate(rows):
            hours = timetable if row.kind in office_hours_kinds else None
            at = current()
            try:
                await _deliver(db, messengers, row, token, at, hours, report, held)
            except Exception as error:
                # A fault on one row must not strand the rest of the batch. If it came after
                # posting began, the row is looked for before any new attempt.
                log.exception("outbox %s (%s) failed unexpectedly", row.id, row.key)
                await _check_later(db, row, token, at, f"unexpected error: {error!r}", report)
            except BaseException:
                # Stopping (shutdown, cancellation): rows not yet tried were not posted, so
                # they go back to the queue as they were, rather than wait to be looked for.
                await _release(db, rows[index:], token)
                raise
    return report


async def _release(db: Database, rows: Collection[OutboxMessage], token: str) -> None:
    if not rows:
        return
    try:
        async with db.transaction() as session:
            await OutboxRepository(session).release([row.id for row in rows], token)
    except Exception:
        log.exception("could not give back %s claimed outbox rows; their lease runs out", len(rows))


async def _deliver(
    db: Database,
    messengers: Mapping[str, Messenger],
    row: OutboxMessage,
    token: str,
    now: datetime,
    hours: Timetable | None,
    report: DrainReport,
    held: Callable[[], datetime],
) -> None:
    try:
        reply = decode(row.payload)
    except CodecError as error:
        await _give_up(db, row, token, str(error), report)
        return
    messenger = messengers.get(row.platform)
    if messenger is None:
        if row.look_first:  # it may have been posted: it must still be looked for
            await _check_later(db, row, token, now, f"no {row.platform} connection", report)
        else:
            await _retry(db, row, token, now, hours, f"no {row.platform} connection", report)
        return
    if row.kind == REFRESH:
        await _change(db, messenger, row, token, now, reply, report)
        return
    found: str | None = None
    if row.look_first:
        # An earlier attempt may have reached the channel: look before posting again.
        try:
            since = row.first_attempt_at or now
            found = await messenger.find_post(row.channel_id, row.key, since, reply=reply)
        except CannotLookError as error:
            await _park(db, row, token, str(error), report)
            return
        except DeliveryError as error:
            await _check_later(db, row, token, now, f"could not look for it: {error}", report)
            return
    if found is not None:
        message_id = found
    else:
        async with db.transaction() as session:
            mine = await OutboxRepository(session).start_posting(row.id, token, held())
        if not mine:
            log.warning(
                "outbox %s (%s): its claim ran out and another sender took it over; "
                "this sender leaves it to them",
                row.id,
                row.key,
            )
            return
        try:
            message_id = await messenger.post(
                row.channel_id, reply, key=row.key, thread_id=row.thread_id
            )
        except DeliveryError as error:
            if error.ambiguous:
                await _check_later(db, row, token, now, str(error), report)
            elif row.attempts >= MAX_ATTEMPTS:
                await _give_up(db, row, token, str(error), report)
            else:
                await _retry(db, row, token, now, hours, str(error), report, error.retry_after)
            return
    async with db.transaction() as session:
        marked = await OutboxRepository(session).mark_sent(row.id, token, message_id, now)
        if marked:
            await record_thread(session, row, message_id, reply.about, now, reply.action_id)
    if not marked:
        log.warning(
            "outbox %s (%s): another sender took it over while it was being posted; "
            "that sender will find this post rather than post again",
            row.id,
            row.key,
        )
        return
    if found:
        log.info("outbox %s (%s) was already posted as %s", row.id, row.key, message_id)
    else:
        log.info("outbox %s (%s) posted to %s as %s", row.id, row.key, row.channel_id, message_id)
    report.delivered.append(
        Delivered(row.key, row.summary, row.channel_id, message_id, found is not None)
    )


async def _change(
    db: Database,
    messenger: Messenger,
    row: OutboxMessage,
    token: str,
    now: datetime,
    reply: Reply,
    report: DrainReport,
) -> None:
    """Change the message of a `refresh` row to `reply`: idempotent, so never looked for."""
    assert row.message_id is not None, f"refresh {row.id} names no message to change"
    note = ""
    async with db.transaction() as session:
        newer = await OutboxRepository(session).newer_of_kind(row)
    if newer:
        # A later reading redrew the card since: this drawing is out of date.
        note = "nothing to do, a later change replaces it"
    else:
        try:
            await messenger.update(row.channel_id, row.message_id, reply, thread_id=row.thread_id)
        except MessageGoneError as error:
            note = f"nothing to do, the message was deleted ({error})"
        except DeliveryError as error:
            if row.attempts >= MAX_ATTEMPTS:
                await _give_up(db, row, token, str(error), report)
            else:
                await _retry(db, row, token, now, None, str(error), report, error.retry_after)
            return
    async with db.transaction() as session:
        outbox = OutboxRepository(session)
        if note:
            marked = await outbox.mark_done(row.id, token, now, note)
        else:
            marked = await outbox.mark_sent(row.id, token, row.message_id, now)
    if not marked:
        log.warning("outbox %s (%s): another sender took it over", row.id, row.key)
        return
    log.info("outbox %s (%s) changed %s: %s", row.id, row.key, row.message_id, note or "done")
    report.delivered.append(
        Delivered(row.key, row.summary, row.channel_id, row.message_id, False, True, note)
    )


async def record_thread(
    session: AsyncSession,
    row: OutboxMessage,
    message_id: str,
    outcomes: Collection[int],
    at: datetime,
    action_id: int | None = None,
) -> None:
    """Replies in the thread of `row`'s posted message are readings for `outcomes`, or
    updates to the action `action_id`."""
    if outcomes or action_id is not None:
        await PostRepository(session).record(
            platform=row.platform,
            channel_id=row.channel_id,
            message_id=message_id,
            kind=row.kind,
            outcomes=list(outcomes),
            posted_at=at,
            group_id=row.group_id,
            action_id=action_id,
        )


async def _retry(
    db: Database,
    row: OutboxMessage,
    token: str,
    now: datetime,
    hours: Timetable | None,
    error: str,
    report: DrainReport,
    retry_after: float | None = None,
) -> None:
    delay = retry_delay(row.attempts)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    at = now + delay
    if hours is not None:
        at = next_reminder_moment(at, hours)
    async with db.transaction() as session:
        await OutboxRepository(session).retry_later(row.id, token, at, error)
    log.warning("outbox %s (%s) not posted: %s; trying again from %s", row.id, row.key, error, at)
    report.undelivered.append(
        Undelivered(
            row.key, row.summary, row.channel_id, error, at, row.id, changed=row.kind == REFRESH
        )
    )


async def _check_later(
    db: Database, row: OutboxMessage, token: str, now: datetime, error: str, report: DrainReport
) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        await _park(db, row, token, error, report)
        return
    at = now + retry_delay(row.attempts)
    async with db.transaction() as session:
        await OutboxRepository(session).check_later(row.id, token, at, error)
    log.warning(
        "outbox %s (%s) may or may not have been posted (%s); it will be looked for from %s "
        "before any new attempt",
        row.id,
        row.key,
        error,
        at,
    )
    report.undelivered.append(
        Undelivered(row.key, row.summary, row.channel_id, error, at, row_id=row.id)
    )


async def _give_up(
    db: Database, row: OutboxMessage, token: str, error: str, report: DrainReport
) -> None:
    async with db.transaction() as session:
        await OutboxRepository(session).give_up(row.id, token, error)
    _given_up(row, error, report)


def _given_up(row: OutboxMessage, error: str, report: DrainReport) -> None:
    log.error(
        "outbox %s (%s) given up after %s attempts: %s; `waymark outbox --retry %s` tries again",
        row.id,
        row.key,
        row.attempts,
        error,
        row.id,
    )
    report.undelivered.append(
        Undelivered(
            row.key, row.summary, row.channel_id, error, None, row.id, changed=row.kind == REFRESH
        )
    )


async def _park(
    db: Database, row: OutboxMessage, token: str, error: str, report: DrainReport
) -> None:
    async with db.transaction() as session:
        state = await OutboxRepository(session).park(row.id, token, error)
    if state is None:
        log.warning("outbox %s (%s): another sender took it over", row.id, row.key)
        return
    if state == "failed":  # posting it never began: nothing to look for
        _given_up(row, error, report)
        return
    log.error(
        "outbox %s (%s) may have been posted to %s, and waymark cannot check (%s): look in the "
        "channel, then `waymark outbox --posted %s` if it is there or `--retry %s` if not",
        row.id,
        row.key,
        row.channel_id,
        error,
        row.id,
        row.id,
    )
    report.undelivered.append(
        Undelivered(
            row.key, row.summary, row.channel_id, error, None, row_id=row.id, unconfirmed=True
        )
    )
