"""`waymark serve` (answer Slack and Teams, and run the scheduler) and `waymark playground` (the
local workspace, to try waymark without either)."""

from __future__ import annotations

import argparse

from bot.cli.arguments import Commands, command
from bot.logs import configure_logging
from bot.server import serve_forever
from bot.wiring import start_playground, start_server
from bot.workers import serve_as_worker, serve_with_workers
from commands.errors import UserError
from config.settings import Settings

LOOPBACK = ("127.0.0.1", "::1", "localhost")
PLAYGROUND_DATABASE = "sqlite:///playground.db"


def register(sub: Commands) -> None:
    """Add `serve` and `playground` to the `waymark` command."""
    p = command(
        sub,
        "serve",
        run_serve,
        "answer Slack and Teams (with their credentials set) and run the scheduler",
        settings_only=True,
    )
    p.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="answer with N processes on the one port (default 1); the first runs the scheduler",
    )
    # How the first process starts the others (`bot.workers`); not for people to type.
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    p.add_argument("--listening-fd", type=int, help=argparse.SUPPRESS)

    p = command(
        sub,
        "playground",
        run_playground,
        "try waymark in a local Slack-like workspace in your browser, on its own database",
        settings_only=True,
    )
    p.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="this computer's address to listen on: 127.0.0.1 (the default), ::1 or localhost",
    )
    p.add_argument(
        "--database",
        default=PLAYGROUND_DATABASE,
        metavar="URL",
        help=f"the playground's database (default {PLAYGROUND_DATABASE}, in this folder); "
        "never DATABASE_URL unless you give it here",
    )


async def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(settings.log_format)
    if args.listening_fd is not None:
        return await serve_as_worker(
            settings,
            host=args.host,
            port=args.port,
            fd=args.listening_fd,
        )
    if args.workers != 1:
        return await serve_with_workers(
            settings, host=args.host, port=args.port, workers=args.workers
        )
    await serve_forever(lambda: start_server(settings, host=args.host, port=args.port))
    return 0


async def run_playground(args: argparse.Namespace, settings: Settings) -> int:
    if args.host not in LOOPBACK:
        raise UserError(
            f"waymark playground listens on this computer only, not on {args.host}: anyone who "
            "reached it could act as any person in it, the administrator too. Leave out --host "
            "(or use 127.0.0.1, ::1 or localhost). To answer Slack or Teams, set their "
            "credentials and run `waymark serve`."
        )
    configure_logging(settings.log_format)
    await serve_forever(
        lambda: start_playground(
            settings, host=args.host, port=args.port, database_url=args.database
        )
    )
    return 0
