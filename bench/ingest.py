"""Thread replies, timed until the last confirmation is posted in its thread: to waymark, which
stores each as a reading, and to the floor (`bench.floor`), which only acknowledges, ticks and
confirms. Both are sent the same Events API envelopes by the same client, so what waymark costs
beyond the floor is waymark's, and what the floor costs is what any Bolt app answering the same
replies would."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from itertools import cycle, islice
from typing import Any

from bench.data import Replies, Roadmap
from bench.load import Check, Sample, Sender, reply_event, run_load, summary_ms
from bench.processes import Process, postgres_server_cpu_seconds
from bench.stand_in import StandIn

SETTLE_TIMEOUT = 60.0


@dataclass
class Server:
    process: Process
    to: Sender


class Ingest:
    def __init__(
        self,
        roadmap: Roadmap,
        rng: random.Random,
        slack: StandIn,
        standin: Process,
        waymark: Server,
        floor: Server,
        *,
        postgres: bool = False,
    ) -> None:
        """`postgres`: waymark's database is this machine's PostgreSQL server, whose CPU is
        measured too (SQLite's work is waymark's own)."""
        self.roadmap = roadmap
        self.postgres = postgres
        # The replies' own: drawn in the same order whatever the timing of the requests before
        # them (which may call `rng` a varying number of times), so that a run is repeatable.
        self.replying = random.Random(rng.random())
        self.replies = Replies(roadmap, random.Random(self.replying.random()))
        self.in_turn = cycle(roadmap.monthly)
        self.slack, self.standin = slack, standin
        self.waymark, self.floor = waymark, floor
        self.ts = 0

    async def to_waymark(
        self, count: int, concurrency: int, *, corrections: bool = False
    ) -> dict[str, Any]:
        """New readings of the monthly outcomes in turn (once each has one, corrections), or
        with `corrections` only corrections, of outcomes chosen at random among those given a
        figure before (`data.Replies`)."""
        if corrections:
            given = self.replies.corrected()
            chosen = self.replying.sample(given, min(count, len(given)))
            numbers = list(islice(cycle(chosen), count))
        else:
            numbers = [next(self.in_turn) for _ in range(count)]
        # Each reply's words and address are fixed before the clock starts.
        return await self._timed(self.waymark, [(n, self.replies.text(n)) for n in numbers],
                                 concurrency)  # fmt: skip

    async def to_floor(self, count: int, concurrency: int) -> dict[str, Any]:
        """The same kind of replies to the floor: its words are never read, and drawing none
        leaves the replies to waymark as they would be without it."""
        numbers = islice(cycle(self.roadmap.monthly), count)
        return await self._timed(self.floor, [(n, "42") for n in numbers], concurrency)

    async def _timed(
        self, server: Server, replies: list[tuple[int, str]], concurrency: int
    ) -> dict[str, Any]:
        ok = Check()
        bodies, said = [], []
        for number, text in replies:
            thread = self.roadmap.threads[number]
            self.ts += 1
            reply = {
                "user": self.replies.lead(number),
                "channel": thread.channel_id,
                "thread_ts": thread.ts,
                "ts": f"1770000001.{self.ts:06d}",
                "text": text,
            }
            bodies.append(reply_event(**reply)[1])
            said.append(reply)
        # Slack has each reply before it tells the bot: the tick and the answer go on it.
        await self.slack.adopt(said)

        async def send(i: int, sample: Sample) -> None:
            await server.to.post(bodies[i], "application/json", ok, sample)

        confirmed_before = (await self.slack.counts()).get("chat.postMessage", 0)
        cpu_before = self._cpu(server)
        began = time.perf_counter()
        sample = await run_load(send, len(bodies), concurrency)
        acknowledged = time.perf_counter()
        wanted = confirmed_before + len(sample.latencies)
        confirmed = await self.slack.wait("chat.postMessage", wanted, SETTLE_TIMEOUT)
        finished = time.perf_counter()
        cpu = [a - b for a, b in zip(self._cpu(server), cpu_before, strict=True)]
        found = summary_ms(sample)
        found["acknowledged_per_second"] = round(sample.per_second, 1)
        found["per_second"] = round(len(sample.latencies) / (finished - began), 1)
        found["confirmed"] = confirmed - confirmed_before
        found["last_confirmation_after_last_ack_ms"] = round((finished - acknowledged) * 1000, 1)
        # What a reading costs the server, whatever else runs: the rate it can reach on a
        # core; and what the Slack stand-in, the bench's own requests and PostgreSQL's server
        # cost on the same cores.
        names = ("cpu", "standin_cpu", "client_cpu", "database_cpu")
        for name, seconds in zip(names, cpu, strict=True):
            found[f"{name}_ms_per_reading"] = round(seconds / len(bodies) * 1000, 2)
        return found

    def _cpu(self, server: Server) -> tuple[float, float, float, float]:
        """CPU seconds used so far by the server, the stand-in, this process and PostgreSQL's
        server (0 on SQLite)."""
        database = postgres_server_cpu_seconds() if self.postgres else 0.0
        return (
            server.process.cpu_seconds(), self.standin.cpu_seconds(), time.process_time(),
            database,
        )  # fmt: skip
