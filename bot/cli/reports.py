"""`waymark comparators import`: figures from other areas read beside the road map's own."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.arguments import Commands, command, os_user
from bot.wiring import Runtime
from commands.comparators.importing import import_comparators


def register(sub: Commands) -> None:
    """Add `comparators` to `waymark`."""
    comparators = sub.add_parser(
        "comparators", help="import England's (and other areas') figures to read beside targets"
    )
    comparators_sub = comparators.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        comparators_sub, "import", run_comparators_import,
        "load comparator figures from FILE: waymark's comparators.csv "
        "(outcome,period,area,value,source) or a Fingertips data CSV",
    )  # fmt: skip
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--area", action="append", default=[], metavar="AREA",
        help="keep only this area's figures (again for more areas): England, a region, a "
        "council; default: every area in the file",
    )  # fmt: skip
    p.add_argument("--by", default=os_user(), metavar="USER", help="who is importing")


async def run_comparators_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        found = await import_comparators(
            session, Path(args.file), actor=args.by, now=rt.now, areas=args.area
        )
    print(f"Imported {args.file} ({found.summary()}).")
    return 0
