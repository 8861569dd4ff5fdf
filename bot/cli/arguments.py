"""What every family of `waymark` commands shares: how a command is added, what its handler is
given, and how dates, times and outcome numbers are read from the command line."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeAlias

from bot.wiring import Runtime
from commands import numbers
from commands.errors import UserError
from config.settings import Settings

# A command that works on the database is given the runtime (settings, the migrated database,
# `now`); `serve` and `playground` build their own and are given only the settings.
Handler = Callable[[argparse.Namespace, Runtime], Awaitable[int]]
ServerHandler = Callable[[argparse.Namespace, Settings], Awaitable[int]]
# The sub-commands of `waymark` as argparse holds them (a class not subscriptable at run time).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def os_user() -> str:
    """Who is at the keyboard, or "import" where the system cannot say (some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "import"


def command(
    sub: Commands, name: str, handler: Handler | ServerHandler, help_text: str, **defaults: Any
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler, **defaults)
    return parser


def iso_date(text: str) -> date:
    """A day written as ISO, e.g. `--through 2026-03-31`."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it like 2026-03-31"
        ) from None


def local_date_or_time(text: str) -> datetime | date:
    """`--at 2026-03-02` or `--at 2026-03-02T10:00`: a local date, or a local date and time."""
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it like 2026-03-02 or 2026-03-02T10:00"
        ) from None


def local_time(text: str) -> datetime | date:
    """`2026-03-02T10:00` (local time) or `2026-03-02` (midday there)."""
    try:
        return local_date_or_time(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a time: write it like 2026-03-02T10:00"
        ) from None


def instant(text: str) -> datetime:
    """A date, a time and a UTC offset: `2026-02-27T12:00:00+00:00`."""
    moment = local_time(text)
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"'{text}' needs a date, a time and a UTC offset")
    return moment


def outcome_number(text: str) -> int:
    try:
        return numbers.outcome_number(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error).rstrip(".")) from None
