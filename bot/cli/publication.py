"""`waymark approve`, `comment` and `lock`: what makes readings fit to publish."""

from __future__ import annotations

import argparse

from bot.cli.arguments import Commands, command, iso_date, os_user, outcome_number
from bot.wiring import Runtime
from commands.presentation.replies import plain_mentions
from commands.readings.locks import lock_summary, lock_through
from commands.readings.operators import approve_from_command_line, comment_from_command_line


def register(sub: Commands) -> None:
    """Add `approve`, `comment` and `lock` to `waymark`."""
    p = command(sub, "approve", run_approve, "approve outcome N's provisional reading for PERIOD")
    p.add_argument("number", type=outcome_number, metavar="N")
    p.add_argument("period", metavar="PERIOD", help="the period, like 2025-Q1 or 2024/25")
    p.add_argument(
        "--by", required=True, metavar="USER", help="who approves (not who submitted it)"
    )

    p = command(sub, "comment", run_comment, "add or replace the commentary on a reading")
    p.add_argument("number", type=outcome_number, metavar="N")
    p.add_argument("period", metavar="PERIOD", help="the period, like 2025-Q1 or 2024/25")
    p.add_argument("text", metavar="TEXT", help="what is being done about it")
    p.add_argument("--by", default=os_user(), metavar="USER", help="who is commenting")

    p = command(sub, "lock", run_lock, "lock every reading whose period ends on or before DATE")
    p.add_argument("--through", type=iso_date, required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--by", required=True, metavar="ADMIN", help="the administrator locking")
    p.add_argument(
        "--reason", required=True, metavar="TEXT", help='why, e.g. "Published in the report"'
    )


async def run_approve(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        said = await approve_from_command_line(
            session, number=args.number, period_text=args.period, by=args.by,
            admins=rt.settings.admins, now=rt.now, tz=rt.tz,
        )  # fmt: skip
    print(plain_mentions(said))
    return 0


async def run_comment(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        said = await comment_from_command_line(
            session, number=args.number, period_text=args.period, text=args.text, by=args.by,
            now=rt.now, tz=rt.tz,
        )  # fmt: skip
    print(plain_mentions(said))
    return 0


async def run_lock(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        lock = await lock_through(
            session, through=args.through, by=args.by, reason=args.reason, now=rt.now,
            admins=rt.settings.admins,
        )  # fmt: skip
    print(lock_summary(lock))
    return 0
