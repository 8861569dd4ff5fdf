"""Operators' commands for the scheduler and what it posts:

waymark nudge  [--at TIME] [--dry-run]            post the reminders due now, once
waymark digest [--at TIME] [--dry-run] [--force]  post this week's digest, once
waymark outbox [--retry ID | --posted ID] [--recent N]
                                                  what is waiting, failed or recently posted
waymark scheduler                                 the clock alone: reminders and the digest
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tabulate import tabulate

from bot.slack.messenger import SlackMessenger, posting_client
from commands.delivery.conversation_book import ConversationBook, unreachable_lines
from commands.delivery.outbox import LEASE, record_thread
from commands.delivery.reply_codec import CodecError, decode
from commands.delivery.targets import Target, TargetError, channel_target, channel_targets
from commands.domain.calendar import CalendarError, Timetable, parse_working_hours
from commands.errors import UserError
from commands.ports import Messenger
from commands.presentation.formatting import moment
from commands.reminders.bank_holidays import england_and_wales
from config.settings import Settings
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from scheduler.setup import TICK_SECONDS, Clock, SimulatedClock, Ticker, wall_clock
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import OutboxRepository, RoadmapRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.cli import Handler, Runtime

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `nudge`, `digest`, `outbox` and `scheduler` to the `waymark` command."""

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        return parser

    at_help = "pretend it is TIME, local time (2026-03-02T10:00); default: now"
    dry_help = "print the messages as text and post nothing (needs no Slack or Teams credentials)"

    p = command("nudge", run_nudge, "post the reminders due now that were not posted before")
    p.add_argument("--at", type=_when, metavar="TIME", help=at_help)
    p.add_argument("--dry-run", action="store_true", help=dry_help)

    p = command("digest", run_digest, "post this week's digest, unless it was posted already")
    p.add_argument("--at", type=_when, metavar="TIME", help=at_help)
    p.add_argument("--dry-run", action="store_true", help=dry_help)
    p.add_argument("--force", action="store_true", help="post this week's digest again")

    p = command(
        "outbox", run_outbox, "list messages waiting, failed, unconfirmed and recently posted"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--retry",
        type=int,
        metavar="ID",
        help="post a failed message again, or an unconfirmed one you did not find in its channel",
    )
    which.add_argument(
        "--posted",
        type=int,
        metavar="ID",
        help="an unconfirmed message you found in its channel: stop trying to post it",
    )
    p.add_argument(
        "--message",
        metavar="MSG",
        help="with --posted: the message's link (its 'Copy link') or id, so that replies in "
        "its thread are read as readings",
    )
    p.add_argument("--recent", type=int, default=10, metavar="N", help="recent posts to list")
    p.add_argument("--at", type=_when, metavar="TIME", help=argparse.SUPPRESS)

    p = command("scheduler", run_scheduler, "run the clock alone: reminders and the digest")
    # For tests that run weeks in seconds: a simulated clock shared by several processes.
    p.add_argument("--clock-start", type=_instant, help=argparse.SUPPRESS)
    p.add_argument("--clock-speed", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--clock-origin", type=float, help=argparse.SUPPRESS)
    p.add_argument("--tick-seconds", type=float, default=TICK_SECONDS, help=argparse.SUPPRESS)
    p.add_argument("--run-until", type=_instant, help=argparse.SUPPRESS)


def _when(text: str) -> datetime | date:
    """`2026-03-02T10:00` (local time) or `2026-03-02` (midday there)."""
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a time: write it like 2026-03-02T10:00"
        ) from None


def _instant(text: str) -> datetime:
    moment_ = _when(text)
    if not isinstance(moment_, datetime) or moment_.tzinfo is None:
        raise argparse.ArgumentTypeError(f"'{text}' needs a date, a time and a UTC offset")
    return moment_


def timetable_from(settings: Settings) -> Timetable:
    try:
        hours = parse_working_hours(settings.working_hours)
    except CalendarError as error:
        raise UserError(f"WAYMARK_WORKING_HOURS: {error}") from None
    days = settings.escalation_days
    return Timetable(
        tz=settings.zone,
        reminder_time=settings.reminder_time,
        digest_time=settings.digest_time,
        working_hours=hours,
        escalation_days=(days[0], days[1], days[2]),
        heads_up_days=settings.heads_up_days,
        bank_holidays=england_and_wales,
    )


DIGEST_VARIABLE = "WAYMARK_DIGEST_CHANNEL"
PROGRAMME_VARIABLE = "WAYMARK_PROGRAMME_CHANNEL"
# What to set for each platform waymark posts to, and what it is.
_CREDENTIALS = {
    "slack": ("SLACK_BOT_TOKEN is not set", "the bot token (xoxb-…)", "Set it"),
    "teams": (
        "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID are not set",
        "the Teams app's credentials",
        "Set them (see README, 'Installing in Teams')",
    ),
}


def digest_targets(settings: Settings) -> tuple[Target, ...]:
    """Every channel the weekly digest goes to, from WAYMARK_DIGEST_CHANNEL."""
    try:
        return channel_targets(settings.digest_channel, DIGEST_VARIABLE)
    except TargetError as error:
        raise UserError(str(error)) from None


def programme_target(settings: Settings) -> Target | None:
    """The channel escalations go to, from WAYMARK_PROGRAMME_CHANNEL."""
    try:
        return channel_target(settings.programme_channel, PROGRAMME_VARIABLE)
    except TargetError as error:
        raise UserError(str(error)) from None


async def platforms_needed(
    settings: Settings, db: Database, *, reminders: bool = True, digest: bool = True
) -> dict[str, list[str]]:
    """Each platform a run posts to, with what it posts there, in words: the digest's
    channels, and for reminders the programme channel and every group's channel."""
    needs: dict[str, list[str]] = {}
    if digest:
        for target in digest_targets(settings):
            needs.setdefault(target.platform, []).append(f"the digest channel {target.channel}")
    if reminders:
        programme = programme_target(settings)
        if programme is not None:
            needs.setdefault(programme.platform, []).append(
                f"the programme channel {programme.channel}"
            )
        async with db.reading() as session:
            for group in await RoadmapRepository(session).groups():
                needs.setdefault(group.platform, []).append(f"{group.name}'s channel")
    return needs


async def messengers_from(
    settings: Settings, db: Database, *, reminders: bool = True, digest: bool = True
) -> dict[str, Messenger]:
    """A messenger for each platform that is set up. Stops, naming what to set, when a
    platform the run posts to (see `platforms_needed`) is not. Close them with
    `close_messengers`."""
    needs = await platforms_needed(settings, db, reminders=reminders, digest=digest)
    messengers: dict[str, Messenger] = {}
    if settings.slack_bot_token:
        client = posting_client(settings.slack_bot_token, settings.slack_api_url)
        messengers["slack"] = SlackMessenger(client)
    if settings.teams_configured or settings.teams_allow_anonymous:
        # The Teams SDK takes seconds to import: only when Teams is set up.
        from bot.teams.app import teams_messenger

        teams = teams_messenger(settings, ConversationBook(db, lambda: datetime.now(UTC)))
        if teams is not None:
            messengers["teams"] = teams
    missing = [_not_set(p, needs[p]) for p in sorted(needs) if p not in messengers]
    if missing:
        await close_messengers(messengers)
        raise UserError("\n".join(missing))
    return messengers


def _not_set(platform: str, wanted: Sequence[str]) -> str:
    unset, what, fix = _CREDENTIALS.get(
        platform, (f"{platform} is not set up", f"a {platform} connection", "Set it up")
    )
    listed = ", ".join(wanted[:3]) + (f" and {len(wanted) - 3} more" if len(wanted) > 3 else "")
    return (
        f"{unset}: waymark needs {what} to post to {listed}. "
        f"{fix}, or add --dry-run to see what would be posted."
    )


async def close_messengers(messengers: Mapping[str, Messenger]) -> None:
    """Close the connections a run's messengers keep open (Teams' clients keep theirs)."""
    teams = messengers.get("teams")
    if teams is not None:
        from bot.teams.messenger import TeamsMessenger

        if isinstance(teams, TeamsMessenger):
            await teams.close()


def _need(value: str | None, variable: str, purpose: str) -> str:
    if not value or not value.replace(",", " ").strip():
        raise UserError(
            f"{variable} is not set: it is the channel {purpose}. Set it to a Slack channel id "
            "like C0123456789, or teams:19:abc@thread.tacv2 for a Teams channel."
        )
    return value


def job_context(
    settings: Settings,
    db: Database,
    messengers: Mapping[str, Messenger],
    *,
    lease: timedelta = LEASE,
    clock: Clock | None = None,
) -> JobContext:
    """What the scheduler's jobs need, from the settings: for `waymark serve` too, with the
    messenger its Slack listeners use (one messenger keeps one pace per channel). A digest or
    escalation for a platform missing from `messengers` waits in the outbox until there is one."""
    return JobContext(
        db=db,
        messengers=messengers,
        timetable=timetable_from(settings),
        digest_targets=digest_targets(settings),
        programme=programme_target(settings),
        lease=lease,
        clock=clock,
    )


@contextlib.asynccontextmanager
async def _context(
    rt: Runtime,
    *,
    post: bool,
    reminders: bool = True,
    digest: bool = True,
    lease: timedelta = LEASE,
    clock: Clock | None = None,
) -> AsyncIterator[JobContext]:
    """The jobs' context for one run; with `post`, messengers for what the run posts (the
    reminders, the digest, or both), closed when the run ends. The outbox follows `clock` as
    it sends; a run at a pretend time (`--at`, clock None) keeps that moment throughout."""
    messengers: dict[str, Messenger] = {}
    if post:
        messengers = await messengers_from(rt.settings, rt.db, reminders=reminders, digest=digest)
    try:
        yield job_context(rt.settings, rt.db, messengers, lease=lease, clock=clock)
    finally:
        await close_messengers(messengers)


async def run_nudge(args: argparse.Namespace, rt: Runtime) -> int:
    async with _context(rt, post=not args.dry_run, digest=False, clock=rt.clock) as ctx:
        print(await send_reminders(ctx, rt.now, dry_run=args.dry_run))
    if ctx.programme is None:
        print(
            "WAYMARK_PROGRAMME_CHANNEL is not set, so escalations (readings overdue "
            f"{ctx.timetable.escalation_days[2]} days or more) wait until it is."
        )
    return 0


async def run_digest(args: argparse.Namespace, rt: Runtime) -> int:
    _need(rt.settings.digest_channel, DIGEST_VARIABLE, "the weekly digest goes to")
    async with _context(rt, post=not args.dry_run, reminders=False, clock=rt.clock) as ctx:
        print(await send_weekly_digest(ctx, rt.now, dry_run=args.dry_run, force=args.force))
    return 0


_STATE_WORDS = {
    "pending": "waiting to be posted",
    "sending": "being posted",
    "sent": "posted already",
    "failed": "failed",
    "unconfirmed": "unconfirmed",
}


async def run_outbox(args: argparse.Namespace, rt: Runtime) -> int:
    if args.message is not None and args.posted is None:
        raise UserError("--message goes with --posted: `waymark outbox --posted ID --message MSG`.")
    if args.retry is not None:
        return await _settle_by_hand(rt, args.retry, retry=True)
    if args.posted is not None:
        message_id = message_id_from(args.message) if args.message else None
        return await _settle_by_hand(rt, args.posted, retry=False, message_id=message_id)
    async with rt.db.reading() as session:
        outbox = OutboxRepository(session)
        unsent = await outbox.unsent()
        recent = await outbox.recently_sent(args.recent)
        unreachable = await _unreachable(session)
    tz = rt.tz
    if unsent:
        rows = [
            [r.id, r.state, r.attempts, _next_try(r, tz), r.channel_id, r.summary, r.last_error]
            for r in unsent
        ]
        headers = ["id", "state", "tries", "next try", "channel", "message", "last error"]
        print("Waiting or failed:")
        print(tabulate(rows, headers=headers))
        unconfirmed = [r.id for r in unsent if r.state == "unconfirmed"]
        if unconfirmed:
            print(
                f"\nUnconfirmed ({', '.join(map(str, unconfirmed))}): these may have been posted, "
                "and waymark could not check. Look in each one's channel: if it is there, "
                "`waymark outbox --posted ID`; if not, `waymark outbox --retry ID`."
            )
    else:
        print("Nothing is waiting to be posted, and nothing has failed.")
    if unreachable:
        print("\nChannels waymark cannot reach yet:")
        print("\n".join(f"- {line}" for line in unreachable))
    if recent:
        rows = [[r.id, _when_sent(r, tz), r.channel_id, r.summary, r.message_id] for r in recent]
        print("\nRecently posted:")
        print(tabulate(rows, headers=["id", "posted", "channel", "message", "message id"]))
    return 0


async def _settle_by_hand(
    rt: Runtime, row_id: int, *, retry: bool, message_id: str | None = None
) -> int:
    """`--retry ID` (post it again) or `--posted ID` (it is in the channel: stop)."""
    allowed = ("failed", "unconfirmed") if retry else ("unconfirmed",)
    async with rt.db.transaction() as session:
        outbox = OutboxRepository(session)
        row = await outbox.get(row_id)
        if row is None:
            raise UserError(
                f"There is no message {row_id} in the outbox: `waymark outbox` lists them."
            )
        if row.state not in allowed:
            state = _STATE_WORDS.get(row.state, row.state)
            if retry:
                raise UserError(
                    f"Message {row.id} is {state}, not failed or unconfirmed: there is nothing "
                    "to retry."
                )
            raise UserError(
                f"Message {row.id} is {state}, not unconfirmed: only a message waymark could "
                "not check can be marked posted by hand."
            )
        about = _outcomes_of(row)
        if retry:
            await outbox.requeue(row.id, rt.now)
        else:
            await outbox.mark_posted(row.id, rt.now, message_id)
            if message_id:
                await record_thread(session, row, message_id, about, rt.now)
    if retry:
        print(f"Message {row.id} ({row.summary}) will be tried again at the next pass.")
        return 0
    print(f"Message {row.id} ({row.summary}) is marked posted; waymark will not post it.")
    if about and not message_id:
        print(
            "Replies in its thread will not be read as readings: to have them read, run "
            f"`waymark outbox --posted {row.id} --message MSG` with the message's link (its "
            "'Copy link')."
        )
    return 0


# Slack's links end `/p` and the timestamp without its point; Teams' have the message id as the
# last part of their path.
_SLACK_LINK = re.compile(r"/p(\d{10})(\d{6})(?:[?#].*)?$")
_TEAMS_LINK = re.compile(r"/l/message/[^/]+/(\d+)(?:[?#].*)?$")


def message_id_from(text: str) -> str:
    """A message's id from what an operator pastes: its link, as the chat app copies it, or
    the id itself (a Slack timestamp, a Teams message id)."""
    text = text.strip()
    if slack := _SLACK_LINK.search(text):
        return f"{slack.group(1)}.{slack.group(2)}"
    if teams := _TEAMS_LINK.search(text):
        return teams.group(1)
    return text


def _outcomes_of(row: OutboxMessage) -> list[int]:
    """The outcomes a queued message is about: replies in its thread are their readings."""
    try:
        return list(decode(row.payload).about)
    except CodecError:
        return []


async def _unreachable(session: AsyncSession) -> list[str]:
    return await unreachable_lines(session)


def _next_try(row: OutboxMessage, tz: ZoneInfo) -> str:
    if row.state == "pending":
        return moment(row.not_before, tz)
    if row.state == "sending" and row.lease_until is not None:
        return moment(row.lease_until, tz)
    if row.state == "failed":
        return f"--retry {row.id}"
    if row.state == "unconfirmed":
        return "when you have looked"
    return "-"


def _when_sent(row: OutboxMessage, tz: ZoneInfo) -> str:
    return moment(row.sent_at, tz) if row.sent_at else "-"


async def run_scheduler(args: argparse.Namespace, rt: Runtime) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line a minute otherwise
    settings = rt.settings
    _need(settings.digest_channel, DIGEST_VARIABLE, "the weekly digest goes to")
    _need(settings.programme_channel, PROGRAMME_VARIABLE, "escalations go to")
    clock: Clock = wall_clock
    lease = LEASE
    if args.clock_start is not None:
        origin = args.clock_origin if args.clock_origin is not None else time.time()
        clock = SimulatedClock(args.clock_start.astimezone(UTC), args.clock_speed, origin)
        lease = LEASE * args.clock_speed  # a lease is real time; in simulated time it scales
    async with _context(rt, post=True, lease=lease, clock=clock) as ctx:
        await _tick_until_stopped(ctx, args, clock, settings.timezone)
    print("waymark scheduler stopped.", flush=True)
    return 0


async def _tick_until_stopped(
    ctx: JobContext, args: argparse.Namespace, clock: Clock, timezone: str
) -> None:
    ticker = Ticker(ctx, clock=clock, interval=args.tick_seconds)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    tt = ctx.timetable
    digest = " and ".join(t.channel for t in ctx.digest_targets)
    print(
        f"waymark scheduler running: reminders on working days at {tt.reminder_time:%H:%M}, "
        f"the digest to {digest} on Mondays at {tt.digest_time:%H:%M} ({timezone}). "
        "Ctrl-C stops it.",
        flush=True,
    )
    if args.clock_start is not None:
        print(f"Simulated clock: it is {clock():%Y-%m-%d %H:%M} UTC.", flush=True)
    ticker.start()
    try:
        while not stopping.is_set():
            if args.run_until is not None and clock() >= args.run_until:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), min(args.tick_seconds, 1.0))
    finally:
        await ticker.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
