"""One run on one database: generate the road map, start the Slack stand-in (the playground's Web
API), `waymark serve` and the ack-only floor as subprocesses, send the load, stop them, then time
the scheduler's passes."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bench import passes
from bench.data import LAG_DAYS, Roadmap, generate_scale
from bench.databases import fresh_database
from bench.imports import measure_import
from bench.ingest import SETTLE_TIMEOUT, Ingest, Server
from bench.load import BOT_USER, Check, Sample, Sender, command_body, ratio, run_load, summary_ms
from bench.passes import LONDON
from bench.processes import Process, free_port, started, waymark_serve
from bench.scales import CONCURRENCY, Scale
from bench.stand_in import StandIn
from storage.db import Database
from storage.models import Reading

TOKEN = "xoxb-waymark-bench"
SECRET = "bench-signing-secret"
HEALTHY_TIMEOUT = 60.0
WARM_TIMEOUT = 120.0
# CPU µs a request of `/outcome N`: waymark serve's, the bench's own while it sent them, and
# the same for the floor.
CPU_KEYS = ("cpu_us", "client_cpu_us", "floor_cpu_us", "floor_client_cpu_us")
# Somebody who is not a lead: /outcome answers anyone.
ASKER = "U0BOARDMEMBER"
ASKED_IN = "C0BENCHGENERAL"


async def run_backend(
    scale: Scale, backend: str, folder: Path, seed: int, *, with_import: bool = True
) -> dict[str, Any]:
    today = datetime.now(LONDON).date()
    async with fresh_database(backend, folder) as url:
        db = Database(url)
        try:
            await db.migrate()
            began = time.perf_counter()
            roadmap = await generate_scale(db, scale, today=today, seed=seed)
            generated = time.perf_counter() - began
        finally:
            await db.dispose()
        result: dict[str, Any] = {
            "data": {
                "outcomes": scale.outcomes,
                "readings": roadmap.readings,
                "generate_seconds": round(generated, 1),
                "kept_statuses_seconds": round(roadmap.kept_seconds, 1),
            }
        }
        result |= await _serve_and_load(scale, url, roadmap, folder, random.Random(seed))
        recorded = await _count_readings(url)
        ingest = result["ingest"]
        ingest["recorded_in_database"] = recorded - roadmap.readings
        overdue_from = roadmap.free.end + timedelta(days=LAG_DAYS + 1)
        timed = await passes.measure_passes(
            url, today=today, overdue_from=overdue_from, times=scale.passes
        )
        result["passes"] = {name: vars(t) for name, t in timed.items()}
        result["passes"]["digest_ratio"] = ratio(timed["digest"].ms, timed["bare_latest"].ms)
    result["import"] = (
        await measure_import(scale, backend, folder, seed, today) if with_import else None
    )
    return result


async def _count_readings(url: str) -> int:
    db = Database(url)
    try:
        async with db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(Reading)) or 0)
    finally:
        await db.dispose()


async def _serve_and_load(
    scale: Scale, url: str, roadmap: Roadmap, folder: Path, rng: random.Random
) -> dict[str, Any]:
    standin_port, waymark_port, floor_port = free_port(), free_port(), free_port()
    standin_args = ["playground.standin", "--port", str(standin_port), "--token", TOKEN]
    async with started("standin", standin_args, {}, folder, standin_port) as standin_process:
        await standin_process.wait_healthy("/control/counts", HEALTHY_TIMEOUT)
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{standin_process.url}/api/",
            "DATABASE_URL": url,
        }
        waymark_args = waymark_serve(waymark_port)
        async with started("waymark", waymark_args, env, folder, waymark_port) as waymark:
            healthy = await waymark.wait_healthy("/healthz", HEALTHY_TIMEOUT)
            floor_args = ["bench.floor", "--port", str(floor_port)]
            async with started("floor", floor_args, env, folder, floor_port) as floor:
                await floor.wait_healthy("/healthz", HEALTHY_TIMEOUT)
                connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
                async with aiohttp.ClientSession(connector=connector) as session:
                    load = Load(
                        scale, roadmap, session, waymark, floor, standin_process, rng,
                        postgres=url.startswith("postgresql"),
                    )  # fmt: skip
                    measured = await load.everything()
        measured["resources"]["healthy_seconds"] = round(healthy, 2)
        return measured


class Load:
    def __init__(
        self,
        scale: Scale,
        roadmap: Roadmap,
        session: aiohttp.ClientSession,
        waymark: Process,
        floor: Process,
        standin: Process,
        rng: random.Random,
        *,
        postgres: bool = False,
    ) -> None:
        self.scale = scale
        self.roadmap = roadmap
        self.waymark = waymark
        self.floor = floor
        self.session = session
        self.slack = StandIn(session, standin)
        self.response_url = ""
        self.to_waymark = Sender(session, waymark.url + "/slack/events", SECRET)
        self.to_floor = Sender(session, floor.url + "/slack/events", SECRET)
        self.card, self.ack = Check(contains="Latest reading"), Check()
        self.rng = rng
        self.ingest = Ingest(
            roadmap, rng, self.slack, standin,
            waymark=Server(waymark, self.to_waymark), floor=Server(floor, self.to_floor),
            postgres=postgres,
        )  # fmt: skip

    def _command(
        self, sender: Sender, text: Any, check: Check, response_url: str | None = None
    ) -> Any:
        async def send(i: int, sample: Sample) -> None:
            body = command_body(
                user=ASKER,
                channel=ASKED_IN,
                text=text(i) if callable(text) else text,
                response_url=response_url or self.response_url,
            )
            await sender.post(body, "application/x-www-form-urlencoded", check, sample)

        return send

    async def _timed(self, floor: bool, into: Sample, count: int, concurrency: int) -> list[float]:
        """`count` `/outcome N` to waymark (or to the floor), added to `into`; the CPU seconds
        its server and this process (the client) spent on them."""
        server, sender = (self.floor, self.to_floor) if floor else (self.waymark, self.to_waymark)
        check = self.ack if floor else self.card
        before = (server.cpu_seconds(), time.process_time())
        send = self._command(sender, self._random_outcome, check)
        into.extend(await run_load(send, count, concurrency))
        return [server.cpu_seconds() - before[0], time.process_time() - before[1]]

    def _random_outcome(self, _i: int) -> str:
        return str(self.rng.choice(self.roadmap.numbers))

    async def _cards_warm(self) -> float | None:
        """Seconds until waymark holds every outcome's card in memory (`waymark_answers_kept`
        on /metrics), or None if it did not within `WARM_TIMEOUT`."""
        began = time.perf_counter()
        while time.perf_counter() - began < WARM_TIMEOUT:
            async with self.session.get(self.waymark.url + "/metrics") as response:
                text = await response.text()
            # One line a process (with its pid) under `--workers`: each must be warm.
            kept = [
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("waymark_answers_kept")
            ]
            if kept and min(kept) >= len(self.roadmap.numbers):
                return round(time.perf_counter() - began, 2)
            await asyncio.sleep(0.25)
        return None

    async def everything(self) -> dict[str, Any]:
        # The cards whose threads the leads reply in, already in their channels; one response
        # URL for the commands answered in their acknowledgement, which never use it.
        await self.slack.adopt(
            [
                {"channel": t.channel_id, "ts": t.ts, "user": BOT_USER, "text": "card"}
                for t in self.roadmap.threads.values()
            ]
        )
        self.response_url = await self.slack.response_url(ASKER, ASKED_IN)
        # Warm both: Bolt's one auth.test call, first-use imports, the connection pools.
        for sender, check in ((self.to_waymark, self.card), (self.to_floor, self.ack)):
            await run_load(self._command(sender, self._random_outcome, check), self.scale.warmup, 1)
        # Measure waymark as it runs for weeks: with every outcome's card worked out ahead.
        warm_after = await self._cards_warm()

        latency: dict[str, Any] = {}
        for mode, concurrency, count in (
            ("sequential", 1, self.scale.requests),
            ("concurrent", CONCURRENCY, self.scale.requests * 2),
        ):
            ours, floor = Sample(), Sample()
            cpu = [0.0, 0.0, 0.0, 0.0]  # as CPU_KEYS: waymark's and the client's, the floor's
            per_round = max(1, count // self.scale.rounds)
            for _ in range(self.scale.rounds):
                at_floor = await self._timed(True, floor, per_round, concurrency)
                at_waymark = await self._timed(False, ours, per_round, concurrency)
                cpu = [a + b for a, b in zip(cpu, at_waymark + at_floor, strict=True)]
            latency[f"outcome_{mode}"] = _against_floor(ours, floor)
            latency[f"floor_{mode}"] = summary_ms(floor)
            # Latency twenty at a time is mostly requests queued behind each other's CPU: the
            # CPU each side spends a request says what the ratio is made of.
            requests = per_round * self.scale.rounds
            for key, seconds in zip(CPU_KEYS, cpu, strict=True):
                latency[f"outcome_{mode}"][key] = round(seconds / requests * 1e6, 1)

            listing = await run_load(
                self._command(self.to_waymark, "list", Check(contains="outcomes:")),
                self.scale.list_requests * (2 if concurrency > 1 else 1),
                concurrency,
            )
            latency[f"list_{mode}"] = _against_floor(listing, floor)

        replies = self.ingest
        ingest: dict[str, Any] = {
            "sequential": await replies.to_waymark(self.scale.ingest, 1),
            "concurrent": await replies.to_waymark(self.scale.ingest * 2, CONCURRENCY),
            # A lead correcting their own figure given earlier in the run.
            "corrections": await replies.to_waymark(
                self.scale.ingest, CONCURRENCY, corrections=True
            ),
        }
        sent = sum(ingest[mode]["count"] for mode in ("sequential", "concurrent", "corrections"))
        confirmed = (await self.slack.counts()).get("chat.postMessage", 0)
        ingest["sent"] = sent
        ingest["confirmations"] = confirmed
        # The most any Bolt app answering the same replies reaches on these cores.
        ingest["floor_concurrent"] = await replies.to_floor(self.scale.ingest * 2, CONCURRENCY)
        before_charts = self.waymark.peak_rss_mb()

        latency["history_sequential"] = await self._history()
        return {
            "latency": latency,
            "ingest": ingest,
            "resources": {
                "peak_rss_mb": round(self.waymark.peak_rss_mb(), 1),
                "peak_rss_before_charts_mb": round(before_charts, 1),
                "rss_at_end_mb": round(self.waymark.rss_mb(), 1),
                "cards_warm_after_seconds": warm_after,
            },
        }

    async def _history(self) -> dict[str, Any]:
        """`/outcome 12 history` one at a time: the table comes back in the answer; the chart
        follows at the response URL, and is waited for before the next request, so that
        drawing one never overlaps measuring the next."""
        number = 12 if 12 in self.roadmap.numbers else self.roadmap.numbers[-1]
        check = Check(contains="history")
        answers, charts = Sample(), Sample()
        for _ in range(self.scale.history_requests):
            arrived = (await self.slack.counts()).get("response_url", 0)
            response_url = await self.slack.response_url(ASKER, ASKED_IN)
            began = time.perf_counter()
            await self._one(f"{number} history", check, answers, response_url)
            got = await self.slack.wait("response_url", arrived + 1, SETTLE_TIMEOUT)
            if got > arrived:
                charts.latencies.append(time.perf_counter() - began)
            else:
                charts.errors += 1
        found = summary_ms(answers)
        found["chart_p50_ms"] = round(charts.percentile(50) * 1000, 1)
        found["charts"] = len(charts.latencies)
        return found

    async def _one(self, text: str, check: Check, sample: Sample, response_url: str) -> None:
        await self._command(self.to_waymark, text, check, response_url)(0, sample)


def _against_floor(ours: Sample, floor: Sample) -> dict[str, Any]:
    found = summary_ms(ours)
    found["p50_ratio"] = ratio(ours.percentile(50), floor.percentile(50))
    found["p90_ratio"] = ratio(ours.percentile(90), floor.percentile(90))
    # Shown, not judged: with a few hundred samples the floor's p99 is one or two outliers.
    found["p99_ratio"] = ratio(ours.percentile(99), floor.percentile(99))
    return found
