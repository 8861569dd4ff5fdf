"""The `waymark` command: parses arguments, asks `bot.wiring` for what a command needs, and
prints. One module per family of commands; `main` is the entry point."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.cli import database, operators, people, publication, reports, roadmap, servers, teams
from bot.cli.arguments import Handler, ServerHandler
from bot.wiring import runtime
from commands.errors import UserError
from commands.presentation.replies import plain_mentions
from config.settings import SettingsError, load_settings
from storage.db import DatabaseUrlError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waymark",
        description="waymark runs a partnership road map: outcomes, readings and their status.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    roadmap.register(sub)
    publication.register(sub)
    reports.register(sub)
    operators.register(sub)
    database.register(sub)
    people.register(sub)
    teams.register(sub)
    servers.register(sub)
    return parser


async def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if getattr(args, "settings_only", False):
        serve: ServerHandler = args.handler
        return await serve(args, settings)
    handler: Handler = args.handler
    async with runtime(settings, getattr(args, "at", None)) as rt:
        return await handler(args, rt)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (UserError, SettingsError, DatabaseUrlError) as error:
        print(plain_mentions(str(error)), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


__all__ = ["build_parser", "main"]
