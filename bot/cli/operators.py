"""Operators' commands for the scheduler and what it posts:

waymark remind [--at TIME] [--dry-run]           post the reminders due now, once
waymark digest [--at TIME] [--dry-run] [--force]  post this week's digest, once
waymark outbox [--retry ID | --posted ID] [--recent N]
                                                  what is waiting, failed or recently posted
waymark scheduler                                 the clock alone: reminders and the digest
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from tabulate import tabulate

from bot.cli.arguments import Commands, command, instant, local_time
from bot.clock import scheduler_clock, tick_until_stopped
from bot.logs import configure_logging
from bot.messengers import (
    DIGEST_VARIABLE,
    PROGRAMME_VARIABLE,
    need_channel,
    teams_wanted,
)
from bot.wiring import Runtime, jobs_for
from commands.delivery.conversation_book import unreachable_lines
from commands.delivery.operators import mark_posted_by_hand, outbox_overview, retry_by_hand
from commands.errors import UserError
from commands.presentation.formatting import moment
from scheduler.jobs import send_reminders, send_weekly_digest
from scheduler.setup import TICK_SECONDS
from storage.models import OutboxMessage, OutboxState


def register(sub: Commands) -> None:
    """Add `remind`, `digest`, `outbox` and `scheduler` to the `waymark` command."""
    at_help = "pretend it is TIME, local time (2026-03-02T10:00); default: now"
    dry_help = "print the messages as text and post nothing (needs no Slack or Teams credentials)"

    p = command(sub, "remind", run_remind, "post the reminders due now that were not posted before")
    p.add_argument("--at", type=local_time, metavar="TIME", help=at_help)
    p.add_argument("--dry-run", action="store_true", help=dry_help)

    p = command(sub, "digest", run_digest, "post this week's digest, unless it was posted already")
    p.add_argument("--at", type=local_time, metavar="TIME", help=at_help)
    p.add_argument("--dry-run", action="store_true", help=dry_help)
    p.add_argument("--force", action="store_true", help="post this week's digest again")

    p = command(
        sub, "outbox", run_outbox, "list messages waiting, failed, unconfirmed and recently posted"
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
    p.add_argument("--at", type=local_time, metavar="TIME", help=argparse.SUPPRESS)

    p = command(sub, "scheduler", run_scheduler, "run the clock alone: reminders and the digest")
    # For tests that run weeks in seconds: a simulated clock shared by several processes.
    p.add_argument("--clock-start", type=instant, help=argparse.SUPPRESS)
    p.add_argument("--clock-speed", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--clock-origin", type=float, help=argparse.SUPPRESS)
    p.add_argument("--clock-file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--tick-seconds", type=float, default=TICK_SECONDS, help=argparse.SUPPRESS)
    p.add_argument("--run-until", type=instant, help=argparse.SUPPRESS)


async def run_remind(args: argparse.Namespace, rt: Runtime) -> int:
    held: list[str] = []
    async with jobs_for(rt, post=not args.dry_run, digest=False, clock=rt.clock, held=held) as ctx:
        print(await send_reminders(ctx, rt.now, dry_run=args.dry_run))
    for line in held:
        print(line)
    if ctx.programme is None:
        print(
            "WAYMARK_PROGRAMME_CHANNEL is not set, so escalations (readings overdue "
            f"{ctx.timetable.escalation_days[2]} days or more) wait until it is."
        )
    return 0


async def run_digest(args: argparse.Namespace, rt: Runtime) -> int:
    need_channel(rt.settings.digest_channel, DIGEST_VARIABLE, "the weekly digest goes to")
    held: list[str] = []
    async with jobs_for(
        rt, post=not args.dry_run, reminders=False, clock=rt.clock, held=held
    ) as ctx:
        print(await send_weekly_digest(ctx, rt.now, dry_run=args.dry_run, force=args.force))
    for line in held:
        print(line)
    return 0


async def run_outbox(args: argparse.Namespace, rt: Runtime) -> int:
    if args.message is not None and args.posted is None:
        raise UserError("--message goes with --posted: `waymark outbox --posted ID --message MSG`.")
    if args.retry is not None:
        async with rt.db.transaction() as session:
            settled = await retry_by_hand(session, args.retry, rt.now)
        print(f"Message {settled.id} ({settled.summary}) will be tried again at the next pass.")
        return 0
    if args.posted is not None:
        async with rt.db.transaction() as session:
            settled = await mark_posted_by_hand(session, args.posted, rt.now, args.message)
        print(
            f"Message {settled.id} ({settled.summary}) is marked posted; waymark will not post it."
        )
        if settled.about and not settled.message_id:
            print(
                "Replies in its thread will not be read as readings: to have them read, run "
                f"`waymark outbox --posted {settled.id} --message MSG` with the message's link "
                "(its 'Copy link')."
            )
        return 0
    async with rt.db.reading() as session:
        overview = await outbox_overview(session, args.recent)
        unreachable: list[str] = []
        if teams_wanted(rt.settings):
            # Only Teams records channels it cannot reach.
            unreachable = await unreachable_lines(session)
    _print_overview(overview.unsent, overview.unconfirmed, overview.recent, unreachable, rt.tz)
    return 0


def _print_overview(
    waiting: Sequence[OutboxMessage],
    unconfirmed: list[int],
    posted: Sequence[OutboxMessage],
    unreachable: list[str],
    tz: ZoneInfo,
) -> None:
    if waiting:
        rows = [
            [r.id, r.state, r.attempts, _next_try(r, tz), r.channel_id, r.summary, r.last_error]
            for r in waiting
        ]
        headers = ["id", "state", "tries", "next try", "channel", "message", "last error"]
        print("Waiting or failed:")
        print(tabulate(rows, headers=headers, disable_numparse=True))
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
    if posted:
        rows = [[r.id, _when_sent(r, tz), r.channel_id, r.summary, r.message_id] for r in posted]
        print("\nRecently posted:")
        print(
            tabulate(
                rows,
                headers=["id", "posted", "channel", "message", "message id"],
                disable_numparse=True,
            )
        )


def _next_try(row: OutboxMessage, tz: ZoneInfo) -> str:
    if row.state == OutboxState.PENDING:
        return moment(row.not_before, tz)
    if row.state == OutboxState.SENDING and row.lease_until is not None:
        return moment(row.lease_until, tz)
    if row.state == OutboxState.FAILED:
        return f"--retry {row.id}"
    if row.state == OutboxState.UNCONFIRMED:
        return "when you have looked"
    return "-"


def _when_sent(row: OutboxMessage, tz: ZoneInfo) -> str:
    return moment(row.sent_at, tz) if row.sent_at else "-"


async def run_scheduler(args: argparse.Namespace, rt: Runtime) -> int:
    settings = rt.settings
    configure_logging(settings.log_format)
    need_channel(settings.digest_channel, DIGEST_VARIABLE, "the weekly digest goes to")
    need_channel(settings.programme_channel, PROGRAMME_VARIABLE, "escalations go to")
    clock, lease = scheduler_clock(
        args.clock_start, args.clock_speed, args.clock_origin, args.clock_file
    )
    async with jobs_for(rt, post=True, lease=lease, clock=clock, housekeeping=True) as ctx:
        tt = ctx.timetable
        digest = " and ".join(t.channel for t in ctx.digest_targets)
        print(
            f"waymark scheduler running: reminders on working days at {tt.reminder_time:%H:%M}, "
            f"the digest to {digest} on Mondays at {tt.digest_time:%H:%M} ({settings.timezone})"
            ". Ctrl-C stops it.",
            flush=True,
        )
        if args.clock_start is not None:
            print(f"Simulated clock: it is {clock():%Y-%m-%d %H:%M} UTC.", flush=True)
        await tick_until_stopped(
            ctx,
            clock,
            interval=args.tick_seconds,
            until=args.run_until,
            report_passes=args.clock_file is not None,
        )
    print("waymark scheduler stopped.", flush=True)
    return 0
