"""`python -m bench`: measure waymark on this machine and print what was found."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.burst import burst_table, run_burst
from bench.databases import postgres_available
from bench.processes import use_ports, use_workers
from bench.report import check_targets, table, targets_table
from bench.run import run_backend
from bench.scales import SCALES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Benchmark waymark on this machine: generate a road map in a fresh database, start "
            "`waymark serve` and an ack-only Bolt app (the floor) on 127.0.0.1, send signed "
            "Slack requests and thread replies, time the digest and reminder passes, and print "
            "the figures (and the targets they meet) as a table."
        ),
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALES),
        default="roadmap",
        help="smoke: 5 outcomes, a handful of requests (for the tests); roadmap: 40 outcomes "
        "with 16 years of readings; stress: 5,000 outcomes with 22 years of readings "
        "(1,001,500 readings). Outcomes are mostly monthly, some quarterly, a few a year. "
        "Default: roadmap",
    )
    parser.add_argument(
        "--db",
        choices=["auto", "sqlite", "postgresql", "both"],
        default="auto",
        help="auto (the default): SQLite, and PostgreSQL when a server answers "
        "(WAYMARK_BENCH_POSTGRES_URL, a PostgreSQL DATABASE_URL, or 127.0.0.1:5432); both: "
        "fail if PostgreSQL is not there. A new database is created and dropped each time.",
    )
    parser.add_argument(
        "--burst",
        metavar="N",
        type=int,
        help="instead of the full run: N `/outcome N` sent at once to one `waymark serve`, "
        "reporting how many were answered after Slack's three seconds, and the slowest",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    parser.add_argument(
        "--from-json",
        metavar="FILE",
        type=Path,
        nargs="+",
        help="measure nothing: print the tables from figures written with --json (one file per "
        "database run, side by side), as README shows them",
    )
    parser.add_argument(
        "--port-range",
        metavar="LOW-HIGH",
        type=_port_range,
        help="listen only on ports LOW to HIGH on 127.0.0.1 (three are used per database); "
        "default: any free port",
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        type=int,
        default=1,
        help="start `waymark serve --workers N` (default 1); peak RSS then adds up its processes",
    )
    parser.add_argument("--seed", type=int, default=2040, help="seed for the generated data")
    parser.add_argument(
        "--skip-import",
        action="store_true",
        help="leave out `waymark readings import` (at stress scale, its 1,000,000 rows take the "
        "longest of everything); its rows and targets are then not shown",
    )
    parser.add_argument(
        "--keep-logs",
        metavar="DIR",
        type=Path,
        help="keep the subprocesses' logs in DIR (default: a temporary folder, removed)",
    )
    return parser


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    if not (low.isdigit() and high.isdigit()) or not 1024 <= int(low) <= int(high) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port range: write it like 20000-20099")
    return int(low), int(high)


async def _backends(choice: str) -> tuple[list[str], dict[str, str]]:
    if choice == "sqlite":
        return ["sqlite"], {}
    why = await postgres_available()
    if choice in {"postgresql", "both"} and why is not None:
        raise SystemExit(f"PostgreSQL was asked for, but {why}")
    if choice == "postgresql":
        return ["postgresql"], {}
    if why is not None:
        return ["sqlite"], {"postgresql": f"skipped: {why}"}
    return ["sqlite", "postgresql"], {}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = SCALES[args.scale]
    backends, skipped = await _backends(args.db)
    for backend, why in skipped.items():
        print(f"{backend}: {why}", file=sys.stderr)
    began = time.perf_counter()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="waymark-bench-") as temporary:
        for backend in backends:
            folder = (args.keep_logs or Path(temporary)) / backend
            folder.mkdir(parents=True, exist_ok=True)
            print(f"{backend}: running the {scale.name} scale…", file=sys.stderr, flush=True)
            started = time.perf_counter()
            if args.burst:
                runs[backend] = await run_burst(scale, backend, folder, args.seed, args.burst)
            else:
                runs[backend] = await run_backend(
                    scale, backend, folder, args.seed, with_import=not args.skip_import
                )
            runs[backend]["seconds"] = round(time.perf_counter() - started, 1)
    return {
        "scale": scale.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - began, 1),
        "workers": args.workers,
        "skipped": skipped,
        "runs": runs,
        "targets": [] if args.burst else check_targets(scale.name, runs),
    }


def shown(files: Sequence[Path]) -> str:
    """The tables again from figures written with `--json` (runs on separate databases, one
    file each, side by side), as README's Performance section shows them."""
    found = [json.loads(f.read_text()) for f in files]
    scales = {f["scale"] for f in found}
    if len(scales) != 1:
        raise SystemExit(f"the files are of different scales ({', '.join(sorted(scales))})")
    scale = scales.pop()
    runs = {backend: run for f in found for backend, run in f["runs"].items()}
    return table(scale, runs) + "\n\n" + targets_table(check_targets(scale, runs))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.from_json:
        print(shown(args.from_json))
        return 0
    if args.port_range:
        use_ports(*args.port_range)
    if args.workers < 1:
        raise SystemExit(f"--workers must be 1 or more, not {args.workers}")
    use_workers(args.workers)
    figures = asyncio.run(run(args))
    if args.burst:
        print(burst_table(args.burst, figures["runs"]))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    print(table(figures["scale"], figures["runs"]))
    print()
    print(targets_table(figures["targets"]))
    print(f"\n{figures['scale']} scale finished in {figures['seconds']:.0f} s.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
