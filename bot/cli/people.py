"""Personal data, as UK GDPR asks (README, "Personal data"):

waymark people export USER                              what waymark holds about a person (JSON)
waymark people forget USER --by ADMIN --reason TEXT     replace their id and name by a pseudonym
"""

from __future__ import annotations

import argparse
import json

from bot.cli.arguments import Commands, command
from bot.wiring import Runtime
from commands.people.forgetting import forget_person, person_record


def register(sub: Commands) -> None:
    """Add `people export` and `people forget` to the `waymark` command."""
    people = sub.add_parser("people", help="what waymark holds about a person; forgetting them")
    people_sub = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        people_sub, "export", run_export,
        "print, as JSON, every record waymark holds about USER (a subject access request)",
    )  # fmt: skip
    p.add_argument("user", metavar="USER", help="the person's chat user id, like U0123ABCD")
    p = command(
        people_sub, "forget", run_forget,
        "replace USER's chat id and name everywhere by a pseudonym; their readings stay",
    )  # fmt: skip
    p.add_argument("user", metavar="USER", help="the person's chat user id, like U0123ABCD")
    p.add_argument("--by", required=True, metavar="ADMIN", help="who is doing this, for the audit")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why, for the audit log")


async def run_export(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        record = await person_record(session, args.user, rt.now)
    print(json.dumps(record, indent=2, ensure_ascii=False))
    return 0


async def run_forget(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        forgotten = await forget_person(
            session, args.user, by=args.by, reason=args.reason,
            key=rt.settings.pseudonym_key, now=rt.now,
        )  # fmt: skip
    changed = ", ".join(f"{table} {rows}" for table, rows in forgotten.changed.items())
    print(
        f"{args.user.strip()} is now {forgotten.pseudonym} everywhere waymark holds them "
        f"(rows changed: {changed}). Their readings and history stay; the audit log records "
        "the erasure without their id."
    )
    return 0
