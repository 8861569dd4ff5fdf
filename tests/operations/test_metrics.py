"""`GET /metrics` scraped as Prometheus scrapes it, and the JSON log lines of one request, from
waymark serving Slack (the real Bolt app, the playground as Slack)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import (
    TEXT_FORMAT,
    JsonFormatter,
    configure_logging,
    enter_request,
    leave_request,
    user_hash,
    write_line,
)
from bot.metrics import Metrics
from scheduler.jobs import send_reminders
from scheduler.setup import Ticker
from storage.db import Database
from tests.factories import load_roadmap
from tests.scheduler.conftest import context
from tests.scheduler.fakes import FakeMessenger
from tests.slack.harness import CHILDREN, LEAD, SlackHarness, slack_harness

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REMINDERS_DUE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday; outcome 13 became overdue


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness


def parsed(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(slack: SlackHarness) -> Samples:
    url = f"http://127.0.0.1:{slack.running.port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return parsed(await response.text())


def at(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_metrics_move_after_a_command_a_reading_and_a_reminder_pass(
    slack: SlackHarness,
) -> None:
    first = await scrape(slack)
    assert at(first, "waymark_database_up") == 1.0
    for state in ("pending", "sending", "sent", "failed", "unconfirmed"):
        assert at(first, "waymark_outbox_messages", state=state) == 0.0
    assert (
        at(first, "waymark_answers_total", platform="slack", command="card", result="answered")
        is None
    )

    await slack.command(LEAD, CHILDREN, "13")
    after_command = await scrape(slack)
    # How many answers are held in memory (how many exactly depends on the change watcher's
    # timing: a write seen mid-answer means the answer is not kept).
    assert at(after_command, "waymark_answers_kept") is not None
    card = {"platform": "slack", "command": "card"}
    assert at(after_command, "waymark_answers_total", **card, result="answered") == 1.0
    assert at(after_command, "waymark_answer_seconds_count", **card) == 1.0
    assert at(after_command, "waymark_answer_seconds_bucket", **card, le="+Inf") == 1.0

    await slack.command(LEAD, CHILDREN, "12 share")
    thread = slack.workspace.history(CHILDREN)[0].ts
    await slack.reply(LEAD, CHILDREN, thread, "31.5 2025/26")
    after_reading = await scrape(slack)
    assert (
        at(after_reading, "waymark_readings_recorded_total", platform="slack", via="thread") == 1.0
    )
    reply = {"platform": "slack", "command": "thread reply", "result": "answered"}
    assert at(after_reading, "waymark_answers_total", **reply) == 1.0
    assert at(after_reading, "waymark_answers_total", **card, result="answered") == 2.0

    assert slack.running.jobs is not None
    await send_reminders(slack.running.jobs, REMINDERS_DUE)
    after_pass = await scrape(slack)
    assert (at(after_pass, "waymark_outbox_messages", state="sent") or 0) >= 1
    # Only the shared card's redrawing waits: the scheduler's next pass sends it; a reminder
    # pass sends reminders.
    assert at(after_pass, "waymark_outbox_messages", state="pending") == 1.0
    assert (
        at(after_pass, "waymark_last_posted_timestamp_seconds", kind="reminder")
        == REMINDERS_DUE.timestamp()
    )


class Lines(logging.Handler):
    """Log lines as they are written: the request's context is read when a line is formatted."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    lines, logger = Lines(), logging.getLogger("waymark")
    logger.addHandler(lines)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)


async def test_a_request_logs_one_json_line_with_its_context(
    slack: SlackHarness, json_lines: Lines
) -> None:
    await slack.command(LEAD, CHILDREN, "13 history")
    [line] = [json.loads(text) for text in json_lines.lines]
    assert line["message"].startswith("history on slack answered in ")
    assert (line["level"], line["logger"]) == ("INFO", "waymark.requests")
    assert (line["platform"], line["command"], line["channel"]) == ("slack", "history", CHILDREN)
    assert line["user"] == user_hash(LEAD.id)
    assert LEAD.id not in json.dumps(line)
    assert len(line["request_id"]) == 16
    datetime.fromisoformat(line["time"])


async def test_the_scheduler_and_the_database_are_watched(tmp_path: Path) -> None:
    metrics = Metrics()
    nowhere = Database(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        await metrics.refresh(nowhere)
    finally:
        await nowhere.dispose()
    samples = parsed(metrics.exposition().decode())
    assert at(samples, "waymark_database_up") == 0.0
    assert at(samples, "waymark_scheduler_last_success_timestamp_seconds") == 0.0

    db = Database(f"sqlite:///{tmp_path / 'ok.db'}")
    await db.migrate()
    try:
        ticker = Ticker(context(db, FakeMessenger()), clock=lambda: REMINDERS_DUE,
                        on_success=metrics.pass_succeeded)  # fmt: skip
        await ticker.run_once()
    finally:
        await db.dispose()
    samples = parsed(metrics.exposition().decode())
    assert (
        at(samples, "waymark_scheduler_last_success_timestamp_seconds") == REMINDERS_DUE.timestamp()
    )


@contextmanager
def _configured(log_format: str) -> Iterator[logging.Handler]:
    """The handler `waymark serve` logs through in `log_format`; the root logger as it was
    after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(log_format)
    try:
        [ours] = [h for h in root.handlers if h not in handlers]
        yield ours
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def text_logging() -> Iterator[logging.Handler]:
    with _configured("text") as handler:
        yield handler


def test_text_lines_are_written_as_logging_writes_them(
    text_logging: logging.Handler, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = logging.Formatter(TEXT_FORMAT)
    second = datetime(2026, 3, 2, 10, 0, 59, tzinfo=UTC).timestamp()
    # Within a second, across one, and back (another thread's line can be a little older).
    for created in (second, second + 0.001, second + 0.999, second + 1.0, second + 0.5, 0.0):
        record = logging.makeLogRecord(
            {"name": "waymark.requests", "levelno": logging.INFO, "levelname": "INFO",
             "msg": "%s on %s answered in %.0f ms", "args": ("card", "slack", 1.4),
             "created": created, "msecs": int((created - int(created)) * 1000) + 0.0}
        )  # fmt: skip
        assert text_logging.format(record) == plain.format(record)
    logging.getLogger("waymark.requests").warning("written at once")
    assert capsys.readouterr().err.endswith(" WARNING waymark.requests: written at once\n")


@pytest.fixture(params=["text", "json"])
def served_logging(request: pytest.FixtureRequest) -> Iterator[logging.Handler]:
    """The handler `waymark serve` logs through, in each format."""
    with _configured(request.param) as handler:
        yield handler


@time_machine.travel(datetime(2026, 3, 2, 10, 0, 59, 123456, tzinfo=UTC), tick=False)
def test_the_answered_line_is_the_same_whoever_else_listens(
    served_logging: logging.Handler, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `waymark serve` logs: through its one handler (pytest adds its own as a test runs).
    logging.getLogger().handlers[:] = [served_logging]
    requests, waymark = logging.getLogger("waymark.requests"), logging.getLogger("waymark")
    context = enter_request("slack", "card", LEAD.id, CHILDREN)
    try:
        write_line(requests, logging.INFO, "%s on %s answered in %.0f ms", "card", "slack", 1.4)
        another = logging.NullHandler()  # a test's or an operator's handler: a record is made
        waymark.addHandler(another)
        try:
            write_line(requests, logging.INFO, "%s on %s answered in %.0f ms", "card", "slack", 1.4)
        finally:
            waymark.removeHandler(another)
    finally:
        leave_request(context)
    alone, beside = capsys.readouterr().err.splitlines()
    assert alone == beside
    if isinstance(served_logging.formatter, JsonFormatter):
        line = json.loads(alone)
        assert line["time"] == "2026-03-02T10:00:59.123+00:00"
        assert line["message"] == "card on slack answered in 1 ms"
        assert line["user"] == user_hash(LEAD.id)
    else:
        assert alone.endswith(",123 INFO waymark.requests: card on slack answered in 1 ms")
