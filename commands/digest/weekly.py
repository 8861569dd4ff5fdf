"""The weekly digest: when it is due, and queuing it once per channel and week.

It covers the week before its Monday (Monday to Monday at the digest time, in local time) and is
posted once per channel and week: the (channel, week) key is recorded with the message queued in
the outbox. After downtime the current week's digest goes out late, saying so, and any older
missed weeks are recorded as skipped. Its words are in `message.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.reply_codec import encode
from commands.digest.message import digest_reply
from commands.domain.calendar import Timetable, digest_instant, digest_week_due, weeks_between
from commands.presentation.formatting import day
from commands.presentation.replies import Reply
from storage.models import DigestRun, OutboxMessage
from storage.repositories import (
    DigestRepository,
    OutboxRepository,
)

KIND = "digest"


# Posted more than this long after its Monday slot, a digest says it is late.
LATE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class DigestMessage:
    key: str
    channel_id: str
    platform: str
    week: date
    late: bool
    reply: Reply
    summary: str


@dataclass(frozen=True)
class DigestResult:
    """What a pass did: the week due, the message it queued (None when the week was already
    recorded), the run recorded earlier if any, and the older weeks it marked skipped."""

    week: date
    queued: DigestMessage | None
    existing: DigestRun | None
    skipped: tuple[date, ...]


def digest_key(channel_id: str, week: date) -> str:
    return f"digest:{channel_id}:{week.isoformat()}"


async def queue_digest(
    session: AsyncSession,
    now: datetime,
    timetable: Timetable,
    channel_id: str,
    *,
    platform: str = "slack",
) -> DigestResult:
    """Queue the digest due at `now` for `channel_id`, unless that week is already recorded."""
    outbox = OutboxRepository(session)
    await outbox.lock_planning()
    digests = DigestRepository(session)
    week = digest_week_due(now, timetable)
    existing = await digests.for_week(channel_id, week)
    if existing is not None:
        return DigestResult(week, None, existing, ())
    last = await digests.latest_week(channel_id)
    skipped = tuple(weeks_between(last, week)) if last is not None and last < week else ()
    for missed in skipped:
        await digests.add(channel_id, missed, state="skipped", at=now)
    late = now - digest_instant(week, timetable) > LATE_AFTER
    run = await digests.add(channel_id, week, state="late" if late else "on_time", at=now)
    if run is None:  # another replica recorded it since we looked
        return DigestResult(week, None, await digests.for_week(channel_id, week), ())
    message = await build_digest(
        session, now, week, timetable, channel_id, platform=platform, late=late, skipped=skipped
    )
    row = await _queue(outbox, message, now)
    assert row is not None, f"outbox key {message.key} already taken"
    await digests.attach(run.id, row.id)
    return DigestResult(week, message, None, skipped)


async def _queue(
    outbox: OutboxRepository, message: DigestMessage, now: datetime
) -> OutboxMessage | None:
    """Put a built digest in the outbox under its key; None if the key is already taken."""
    return await outbox.add(
        key=message.key,
        kind=KIND,
        platform=message.platform,
        channel_id=message.channel_id,
        summary=message.summary,
        payload=encode(message.reply),
        not_before=now,
        created_at=now,
    )


async def queue_digest_again(
    session: AsyncSession,
    now: datetime,
    timetable: Timetable,
    channel_id: str,
    *,
    platform: str = "slack",
) -> DigestMessage | None:
    """Post this week's digest once more (an operator asked): a new key each time it is asked
    for, so each request posts once. None if a request racing this one took the same key."""
    outbox = OutboxRepository(session)
    week = digest_week_due(now, timetable)
    repeat = 1
    while await outbox.by_key(f"{digest_key(channel_id, week)}:again-{repeat}") is not None:
        repeat += 1
    message = await build_digest(
        session,
        now,
        week,
        timetable,
        channel_id,
        platform=platform,
        late=False,
        skipped=(),
        key=f"{digest_key(channel_id, week)}:again-{repeat}",
    )
    row = await _queue(outbox, message, now)
    return message if row is not None else None


async def build_digest(
    session: AsyncSession,
    now: datetime,
    week: date,
    timetable: Timetable,
    channel_id: str,
    *,
    platform: str = "slack",
    late: bool = False,
    skipped: Sequence[date] = (),
    key: str | None = None,
) -> DigestMessage:
    """The digest for the week starting Monday `week`, with the road map as it stands at `now`.

    It does not queue for `whole_roadmap()` like the chat listings: it runs once a week, inside
    the transaction that records it, and waiting there would hold SQLite's write lock."""
    reply = await digest_reply(session, now, week, timetable, late, skipped)
    return DigestMessage(
        key=key or digest_key(channel_id, week),
        channel_id=channel_id,
        platform=platform,
        week=week,
        late=late,
        reply=reply,
        summary=f"digest for the week of {day(week)}" + (" (late)" if late else ""),
    )
