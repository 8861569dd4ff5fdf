"""`GET /metrics`, in Prometheus' text format: what an operator watches.

- `waymark_answers_total{platform,command,result}` and `waymark_answer_seconds{platform,command}`
  (a histogram): events answered, by what was asked (`card`, `history`, `thread reply`...), and
  how long the answers took. `result` is `failed` when handling raised.
- `waymark_readings_recorded_total{platform,via}`: new readings stored, by how they came.
- `waymark_outbox_messages{state}`: messages by state; `pending`, `failed` and `unconfirmed`
  ones wait for time or an operator.
- `waymark_last_posted_timestamp_seconds{kind}`: when a reminder, a digest... was last posted.
- `waymark_scheduler_last_success_timestamp_seconds`: when this process's last scheduler pass
  (reminders, the digest, posting) finished without error.
- `waymark_database_up` (1 or 0) and `waymark_database_check_seconds`.
- `waymark_answers_kept`: answers this process holds in memory (every outcome's card, once
  warmed).

Counters are this process's; the outbox and the times posted are read from the database at
each scrape, so every replica reports the same. Nothing here names a person.

Under `waymark serve --workers N` the processes share one port, and a scrape reaches whichever
accepts it: each process then writes its figures to files in one folder (prometheus_client's
multiprocess mode, chosen by `PROMETHEUS_MULTIPROC_DIR` before it is imported: `bot.workers`),
and every scrape adds up the counters of all of them. `waymark_answers_kept` is then given per
process (a `pid` label).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from types import TracebackType
from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from bot.logs import enter_request, leave_request, write_line
from commands.answer_cache import AnswerCache
from storage.db import Database
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)
# One line per event handled, with its request's context (an access log for chat).
requests = logging.getLogger("waymark.requests")

# Seconds: most answers take milliseconds; a slow database or a chart takes seconds.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# prometheus_client's: where each process of `waymark serve --workers` writes its figures.
SHARED_FOLDER = "PROMETHEUS_MULTIPROC_DIR"
# Set from the database at a scrape, by whichever process it reached: its reading is the news.
_READ_AT_SCRAPE: Final = "livemostrecent"


def shared_between_processes() -> bool:
    return SHARED_FOLDER in os.environ


class Metrics:
    """The core's observer in a server (`commands.ports.Observer`): counts and times what it
    handles, and gives each request's log lines their context (`bot.logs`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers = Counter(
            "waymark_answers", "Events answered", ["platform", "command", "result"], registry=r
        )
        self.latency = Histogram(
            "waymark_answer_seconds", "Time to answer an event", ["platform", "command"],
            buckets=_BUCKETS, registry=r,
        )  # fmt: skip
        self.readings = Counter(
            "waymark_readings_recorded", "New readings stored", ["platform", "via"], registry=r
        )
        self.outbox = Gauge(
            "waymark_outbox_messages", "Outbox messages", ["state"], registry=r,
            multiprocess_mode=_READ_AT_SCRAPE,
        )  # fmt: skip
        self.last_posted = Gauge(
            "waymark_last_posted_timestamp_seconds", "When a message of a kind was last posted",
            ["kind"], registry=r, multiprocess_mode=_READ_AT_SCRAPE,
        )  # fmt: skip
        self.last_pass = Gauge(
            "waymark_scheduler_last_success_timestamp_seconds",
            "When this process's last scheduler pass finished without error",
            registry=r,
            multiprocess_mode="max",  # only the first process runs the scheduler
        )
        self.database_up = Gauge(
            "waymark_database_up", "1 if the database answered", registry=r,
            multiprocess_mode=_READ_AT_SCRAPE,
        )  # fmt: skip
        self.database_seconds = Gauge(
            "waymark_database_check_seconds", "Time the database took to answer", registry=r,
            multiprocess_mode=_READ_AT_SCRAPE,
        )  # fmt: skip
        self.shared = shared_between_processes()
        self._counted: dict[tuple[str, str, str], tuple[Histogram, Counter]] = {}

    def count_kept(self, answers: AnswerCache) -> None:
        """`waymark_answers_kept`: how many answers this process holds in memory (each
        outcome's card once warmed; what its memory grows with), set as it changes: a gauge
        shared between processes cannot be read from a function at the scrape."""
        kept = Gauge(
            "waymark_answers_kept", "Answers held in memory", registry=self.registry,
            multiprocess_mode="liveall",
        )  # fmt: skip
        answers.count_with(kept.set)

    def handling(self, platform: str, command: str, user_id: str, channel_id: str) -> _Handling:
        return _Handling(self, platform, command, user_id, channel_id)

    def count(self, platform: str, command: str, began: float, result: str) -> float:
        """Count an event handled since `began` (`perf_counter`); the milliseconds it took."""
        seconds = time.perf_counter() - began
        labels = (platform, command, result)
        counted = self._counted.get(labels)
        if counted is None:
            # Looked up once per label set: `labels()` checks and locks on every call.
            counted = self._counted[labels] = (
                self.latency.labels(platform, command),
                self.answers.labels(platform, command, result),
            )
        counted[0].observe(seconds)
        counted[1].inc()
        return seconds * 1000

    def reading_recorded(self, platform: str, via: str) -> None:
        self.readings.labels(platform, via).inc()

    def pass_succeeded(self, at: datetime) -> None:
        self.last_pass.set(at.timestamp())

    async def refresh(self, db: Database) -> None:
        """Read what the database knows: the outbox by state, and when each kind last went."""
        began = time.perf_counter()
        try:
            async with db.reading() as session:
                outbox = OutboxRepository(session)
                states = await outbox.count_by_state()
                posted = await outbox.last_sent_by_kind()
        except Exception as error:  # any failure means the database is unhealthy; say why
            log.warning("metrics: the database did not answer: %r", error)
            self.database_up.set(0)
            return
        self.database_up.set(1)
        self.database_seconds.set(time.perf_counter() - began)
        for state, count in states.items():
            self.outbox.labels(state).set(count)
        for kind, at in posted.items():
            self.last_posted.labels(kind).set(at.timestamp())

    def exposition(self) -> bytes:
        if not self.shared:
            return generate_latest(self.registry)
        # Every process's figures from their files (never this registry too: each would
        # then be counted twice).
        everyone = CollectorRegistry()
        MultiProcessCollector(everyone)  # type: ignore[no-untyped-call]
        return generate_latest(everyone)


class _Handling:
    """Around one event handled: its log lines' context (`bot.logs`), its count and time, and
    the line every request writes. A class, not a generator's context manager: every request
    goes through one, and the generator costs more."""

    __slots__ = ("began", "channel_id", "command", "context", "metrics", "platform", "user_id")

    def __init__(
        self, metrics: Metrics, platform: str, command: str, user_id: str, channel_id: str
    ) -> None:
        self.metrics, self.platform, self.command = metrics, platform, command
        self.user_id, self.channel_id = user_id, channel_id

    def __enter__(self) -> None:
        self.began = time.perf_counter()
        self.context = enter_request(self.platform, self.command, self.user_id, self.channel_id)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        try:
            if error is None:
                took = self.metrics.count(self.platform, self.command, self.began, "answered")
                write_line(requests, logging.INFO, _ANSWERED, self.command, self.platform, took)
            elif isinstance(error, Exception):  # not a task cancelled: nothing was answered
                took = self.metrics.count(self.platform, self.command, self.began, "failed")
                requests.error(
                    "%s on %s failed after %.0f ms", self.command, self.platform, took,
                    exc_info=error,
                )  # fmt: skip
        finally:
            leave_request(self.context)


_ANSWERED = "%s on %s answered in %.0f ms"


def metrics_route(web_app: web.Application, db: Database, metrics: Metrics) -> None:
    async def scrape(_request: web.Request) -> web.Response:
        await metrics.refresh(db)
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    web_app.router.add_get("/metrics", scrape)
