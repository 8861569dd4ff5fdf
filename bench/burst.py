"""`python -m bench --burst N`: N `/outcome N` requests sent at once to one `waymark serve`, as a
busy morning's meeting might, each timed from sending to its answer. What counts is Slack's
rule: an answer after three seconds is shown to the person as a failure."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from tabulate import tabulate

from bench.data import generate_scale
from bench.databases import fresh_database
from bench.load import Check, Sample, Sender, command_body, run_load
from bench.passes import LONDON
from bench.processes import free_port, started, waymark_serve
from bench.run import ASKED_IN, ASKER, HEALTHY_TIMEOUT, SECRET, TOKEN
from bench.scales import Scale
from bench.stand_in import StandIn
from storage.db import Database

SLACK_DEADLINE = 3.0
WARMUP = 10


async def run_burst(
    scale: Scale, backend: str, folder: Path, seed: int, size: int
) -> dict[str, Any]:
    """Generate the road map of `scale`, start the Slack stand-in and `waymark serve`, warm
    waymark up, then send `size` commands at once."""
    async with fresh_database(backend, folder) as url:
        db = Database(url)
        try:
            await db.migrate()
            roadmap = await generate_scale(db, scale, today=datetime.now(LONDON).date(), seed=seed)
        finally:
            await db.dispose()
        rng = random.Random(seed)
        standin_port, waymark_port = free_port(), free_port()
        standin_args = ["playground.standin", "--port", str(standin_port), "--token", TOKEN]
        async with started("standin", standin_args, {}, folder, standin_port) as standin:
            await standin.wait_healthy("/control/counts", HEALTHY_TIMEOUT)
            env = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": f"{standin.url}/api/",
                "DATABASE_URL": url,
            }
            waymark_args = waymark_serve(waymark_port)
            async with started("waymark", waymark_args, env, folder, waymark_port) as waymark:
                await waymark.wait_healthy("/healthz", HEALTHY_TIMEOUT)
                connector = aiohttp.TCPConnector(limit=size + 10)
                async with aiohttp.ClientSession(connector=connector) as session:
                    response_url = await StandIn(session, standin).response_url(ASKER, ASKED_IN)
                    to_waymark = Sender(session, waymark.url + "/slack/events", SECRET)
                    card = Check(contains="Latest reading")

                    async def send(_i: int, sample: Sample) -> None:
                        number = str(rng.choice(roadmap.numbers))
                        body = command_body(
                            user=ASKER, channel=ASKED_IN, text=number, response_url=response_url
                        )
                        await to_waymark.post(
                            body, "application/x-www-form-urlencoded", card, sample
                        )

                    await run_load(send, WARMUP, 1)
                    return summary(await run_load(send, size, size))


def summary(sample: Sample) -> dict[str, Any]:
    late = sum(1 for took in sample.latencies if took > SLACK_DEADLINE)
    return {
        "requests": sample.count,
        "answered": len(sample.latencies),
        "errors": sample.errors,
        "over_3s": late + sample.errors,
        "p50_ms": round(sample.percentile(50) * 1000),
        "p95_ms": round(sample.percentile(95) * 1000),
        "slowest_ms": round(max(sample.latencies, default=0.0) * 1000),
        "wall_s": round(sample.wall, 2),
        "first_error": sample.first_error,
    }


def burst_table(size: int, runs: dict[str, dict[str, Any]]) -> str:
    rows = [
        [
            backend,
            found["requests"],
            found["over_3s"],
            found["errors"],
            found["p50_ms"],
            found["p95_ms"],
            found["slowest_ms"],
            found["wall_s"],
        ]
        for backend, found in runs.items()
    ]
    headers = [
        f"burst of {size}", "requests", "over 3 s (or failed)", "errors", "p50 ms", "p95 ms",
        "slowest ms", "all answered in s",
    ]  # fmt: skip
    return tabulate(rows, headers=headers, tablefmt="github")
