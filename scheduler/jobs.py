"""What the scheduler does when it wakes: plan what is due now, once, then send it.

`tick` is the whole job; the clock only decides when it runs. Because each pass asks the
database what is due at `now` (not "what was scheduled for this minute"), a pass missed while
waymark was down is caught up by the next one, and several replicas ticking together plan each
message once. `send_reminders` and `send_weekly_digest` are the same passes for one kind of
message, for operators (`waymark remind`, `waymark digest`) and the playground's buttons: each
returns a short account of what it did, for people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.drain_report import DrainReport
from commands.delivery.outbox import LEASE, drain
from commands.delivery.reply_codec import as_text
from commands.digest.weekly import KIND as DIGEST
from commands.digest.weekly import LATE_AFTER, build_digest, queue_digest, queue_digest_again
from commands.domain.calendar import (
    Timetable,
    digest_instant,
    digest_week_due,
    may_remind,
    weeks_between,
)
from commands.people.retention import DEFAULT_DAYS, remove_expired_records
from commands.plans.reminders import KIND as ACTION_REMINDER
from commands.plans.reminders import (
    ActionReminderMessage,
    action_reminder_messages,
    plan_action_reminders,
    queue_action_reminders,
)
from commands.ports import Messenger
from commands.presentation.formatting import day, moment
from commands.reminders.items import ReminderMessage
from commands.reminders.messages import reminder_messages
from commands.reminders.planning import KIND as REMINDER
from commands.reminders.planning import plan_reminders, queue_reminders
from config.targets import Target
from storage.db import Database
from storage.models import DigestRun
from storage.repositories import DigestRepository, OutboxRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What the jobs need: the database, a messenger per platform (`{"slack": messenger}`),
    the schedule, where the digest goes (every target, each once) and where escalations go."""

    db: Database
    messengers: Mapping[str, Messenger]
    timetable: Timetable
    digest_targets: tuple[Target, ...] = ()
    programme: Target | None = None
    lease: timedelta = LEASE
    # The time as a pass goes on, for the outbox's claims and retries; None: the pass's moment.
    clock: Callable[[], datetime] | None = None
    # Removing expired operational records, once a day; None: not in this process.
    housekeeping: Housekeeping | None = None


@dataclass
class Housekeeping:
    """Records older than `days` days are removed once a local day by each process that ticks
    (`commands.people.retention`): idempotent, so several replicas doing it is harmless, and
    a day missed while waymark was down is caught up at the next pass."""

    days: int = DEFAULT_DAYS
    done_on: date | None = None

    async def run(self, ctx: JobContext, now: datetime) -> None:
        today = ctx.timetable.today(now)
        if self.done_on == today:
            return
        async with ctx.db.transaction() as session:
            removed = await remove_expired_records(session, now, self.days)
        self.done_on = today
        log.info("retention (%s days): %s", self.days, removed)


async def tick(ctx: JobContext, now: datetime) -> DrainReport:
    """One pass: queue the reminders and the digests due at `now`, then send what is queued."""
    if may_remind(now, ctx.timetable):
        async with ctx.db.transaction() as session:
            await queue_reminders(session, now, ctx.timetable, programme=ctx.programme)
            await queue_action_reminders(session, now, ctx.timetable, programme=ctx.programme)
    for target in ctx.digest_targets:
        # One transaction per channel: each channel's week is recorded, and posted, on its own.
        async with ctx.db.transaction() as session:
            await queue_digest(
                session, now, ctx.timetable, target.channel, platform=target.platform
            )
    report = await _drain(ctx, now, kinds=None)
    if ctx.housekeeping is not None:
        await ctx.housekeeping.run(ctx, now)
    return report


async def _drain(ctx: JobContext, now: datetime, kinds: tuple[str, ...] | None) -> DrainReport:
    return await drain(
        ctx.db,
        ctx.messengers,
        now,
        kinds=kinds,
        office_hours_kinds=(REMINDER, ACTION_REMINDER),
        timetable=ctx.timetable,
        lease=ctx.lease,
        clock=ctx.clock,
    )


def _hours(timetable: Timetable) -> str:
    return (
        f"Reminders go out on working days (not at weekends or on bank holidays in England and "
        f"Wales) between {timetable.working_hours.start:%H:%M} and "
        f"{timetable.working_hours.end:%H:%M}."
    )


# How a pass that posted nothing begins, and what a digest pass adds when the week's digest was
# posted already: the playground page says these its own way (bot/local_passes.py).
NOTHING_DUE = "No reminders to post"
AGAIN_HINT = " Use --force to post it again."


async def send_reminders(ctx: JobContext, now: datetime, *, dry_run: bool = False) -> str:
    """Post the reminders due at `now` that were not posted before; with `dry_run`, say what
    would be posted and post nothing."""
    tt = ctx.timetable
    when = moment(now, tt.tz)
    if not may_remind(now, tt):
        return f"No reminders at {when}. {_hours(tt)}"
    escalations = ctx.programme is not None
    if dry_run:
        async with ctx.db.reading() as session:
            plan = await plan_reminders(session, now, tt, escalations=escalations)
            actions = await plan_action_reminders(session, now, tt, escalations=escalations)
        messages: list[ReminderMessage | ActionReminderMessage] = [
            *reminder_messages(plan.items, tt.today(now), tt, programme=ctx.programme),
            *action_reminder_messages(actions.items, now, tt, programme=ctx.programme),
        ]
        notes = [*plan.notes, *actions.notes]
        if not messages:
            return "\n".join([f"No reminders would be posted at {when}.", *notes])
        parts = [f"At {when}, {len(messages)} reminder messages would be posted (dry run):"]
        for m in messages:
            parts += ["", f"=== to {m.channel_id}: {m.summary}", as_text(m.reply)]
        if notes:
            parts += ["", *notes]
        return "\n".join(parts)
    async with ctx.db.transaction() as session:
        queued = [
            *await queue_reminders(session, now, tt, programme=ctx.programme),
            *await queue_action_reminders(session, now, tt, programme=ctx.programme),
        ]
    report = await _drain(ctx, now, kinds=(REMINDER, ACTION_REMINDER))
    lines = report.lines(tt.tz)
    if not queued and not lines:
        return (
            f"{NOTHING_DUE} at {when}: every reminder due then has been posted already, "
            "or none is due."
        )
    return "\n".join(
        lines
        or [f"Queued {len(queued)} reminder messages; another waymark process is posting them."]
    )


async def send_weekly_digest(
    ctx: JobContext, now: datetime, *, dry_run: bool = False, force: bool = False
) -> str:
    """Post the digest due at `now` (this week's, once Monday's digest time has passed) to
    every digest channel it was not posted to before; `force` posts it again to every one;
    `dry_run` shows each and posts nothing."""
    tt = ctx.timetable
    if not ctx.digest_targets:
        return "No digest channel is set, so there is no digest to post."
    week = digest_week_due(now, tt)
    if dry_run:
        previews = [await _preview(ctx, now, week, t, force=force) for t in ctx.digest_targets]
        return "\n\n".join(previews)
    # What each channel's pass found instead of queueing: said only if nothing was sent there.
    instead: dict[str, str] = {}
    for target in ctx.digest_targets:
        async with ctx.db.transaction() as session:
            if force:
                again = await queue_digest_again(
                    session, now, tt, target.channel, platform=target.platform
                )
                if again is None:
                    instead[target.channel] = (
                        f"Another run has just queued the digest for {target.channel} again; "
                        "nothing more queued for it."
                    )
                continue
            result = await queue_digest(session, now, tt, target.channel, platform=target.platform)
            if result.existing is not None:
                earlier = await _earlier(session, result.existing, tt)
                instead[target.channel] = (
                    f"The digest for the week of {day(week)} to {target.channel} was {earlier}; "
                    "nothing posted."
                )
    report = await _drain(ctx, now, kinds=(DIGEST,))
    lines = report.lines(tt.tz)
    reported = {d.channel_id for d in report.delivered} | {u.channel_id for u in report.undelivered}
    for target in ctx.digest_targets:
        if target.channel in reported:
            continue
        lines.append(
            instead.get(
                target.channel,
                f"The digest for the week of {day(week)} to {target.channel} is queued; "
                "another waymark process is posting it.",
            )
        )
    passed = [i for i, line in enumerate(lines) if line.endswith("nothing posted.")]
    if passed:
        lines[passed[-1]] += AGAIN_HINT
    return "\n".join(lines)


async def _preview(
    ctx: JobContext, now: datetime, week: date, target: Target, *, force: bool
) -> str:
    """The digest `target` would be sent at `now`, as text, headed by what would happen."""
    tt = ctx.timetable
    channel = target.channel
    async with ctx.db.reading() as session:
        last = await DigestRepository(session).latest_week(channel)
        done = await DigestRepository(session).for_week(channel, week)
        skipped = weeks_between(last, week) if last is not None and last < week else []
        earlier = await _earlier(session, done, tt) if done is not None else None
        message = await build_digest(
            session,
            now,
            week,
            tt,
            channel,
            platform=target.platform,
            late=now - digest_instant(week, tt) > LATE_AFTER,
            skipped=skipped,
        )
    head = f"The digest for the week of {day(week)}, to {channel} (dry run):"
    if earlier is not None and not force:
        head = (
            f"The digest for the week of {day(week)} to {channel} was {earlier}; with --force "
            "it would be posted again as:"
        )
    return f"{head}\n\n{as_text(message.reply)}"


async def _earlier(session: AsyncSession, run: DigestRun, timetable: Timetable) -> str:
    if run.outbox_id is None:
        return "skipped: it was not posted that week, and a later week's digest has been since"
    row = await OutboxRepository(session).get(run.outbox_id)
    if row is None or row.state != "sent" or row.sent_at is None:
        return "queued already and is not posted yet (`waymark outbox` shows why)"
    return f"posted already, on {moment(row.sent_at, timetable.tz)}"
