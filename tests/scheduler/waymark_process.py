"""`python -m tests.scheduler.waymark_process ARGS`: the `waymark` command, with the operator
commands (`nudge`, `digest`, `outbox`, `scheduler`) added if `bot.cli` does not list them yet.
Tests start real processes with it; once `bot.cli.build_parser` registers them, it is the same
as `python -m bot`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bot import cli
from bot.operator_cli import register


def with_operator_commands(
    build: Callable[[], argparse.ArgumentParser],
) -> Callable[[], argparse.ArgumentParser]:
    def build_parser() -> argparse.ArgumentParser:
        parser = build()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "scheduler" not in sub.choices:
            register(sub)
        return parser

    return build_parser


def main(argv: Sequence[str] | None = None) -> int:
    cli.build_parser = with_operator_commands(cli.build_parser)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
