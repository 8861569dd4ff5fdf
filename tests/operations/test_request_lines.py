"""The line every request writes, as `waymark serve` writes it while it answers: lines given
in one turn of the event loop are written together when it next turns, each with its own time
and request, in the order they were given, before any other line, and none is lost when the
process exits before the loop turns again."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from bot.logs import configure_logging, enter_request, leave_request, user_hash, write_line

ANSWERED = "%s on %s answered in %.0f ms"
requests = logging.getLogger("waymark.requests")


class CountedWrites(io.StringIO):
    """Standard error, counting the writes that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


class ServeLogs:
    """Logging as `waymark serve` does, to a standard error that counts: begun as the test
    runs, after pytest has put in its own handler and its own standard error."""

    def __init__(self, log_format: str) -> None:
        self.root = logging.getLogger()
        self.handlers, self.level, self.stderr = (
            list(self.root.handlers),
            self.root.level,
            sys.stderr,
        )
        configure_logging(log_format)
        self.ours = [h for h in self.root.handlers if h not in self.handlers]

    def begin(self) -> CountedWrites:
        self.root.handlers[:] = self.ours
        sys.stderr = counted = CountedWrites()
        return counted

    def end(self) -> None:
        sys.stderr = self.stderr
        self.root.handlers[:] = self.handlers
        self.root.setLevel(self.level)


@pytest.fixture(params=["text", "json"])
def serve_logs(request: pytest.FixtureRequest) -> Iterator[ServeLogs]:
    logs = ServeLogs(request.param)
    try:
        yield logs
    finally:
        logs.end()


def answered(command: str, user: str, ms: float) -> None:
    context = enter_request("slack", command, user, "C0CHILDREN")
    try:
        write_line(requests, logging.INFO, ANSWERED, command, "slack", ms)
    finally:
        leave_request(context)


def shown(stderr: CountedWrites) -> list[str]:
    """The messages written, in either format."""
    lines = stderr.getvalue().splitlines()
    return [
        json.loads(line)["message"] if line.startswith("{") else line.split(": ", 1)[1]
        for line in lines
    ]


async def test_lines_of_one_turn_are_written_together_in_order_with_their_own_time(
    serve_logs: ServeLogs,
) -> None:
    stderr = serve_logs.begin()
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, 59, 125000, tzinfo=UTC), tick=False):
        answered("card", "U0LEAD", 1.2)
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, 59, 500000, tzinfo=UTC), tick=False):
        answered("list", "U0BOARD", 3.4)
    assert stderr.getvalue() == ""  # the loop has not turned
    await asyncio.sleep(0)
    lines = stderr.getvalue().splitlines()
    assert stderr.writes == 1
    assert shown(stderr) == [
        "card on slack answered in 1 ms",
        "list on slack answered in 3 ms",
    ]
    if lines[0].startswith("{"):
        first, second = (json.loads(line) for line in lines)
        assert (first["time"], second["time"]) == (
            "2026-03-02T10:00:59.125+00:00",
            "2026-03-02T10:00:59.500+00:00",
        )
        # Each written with its own request's context, though written after both ended.
        assert (first["user"], second["user"]) == (user_hash("U0LEAD"), user_hash("U0BOARD"))
        assert (first["command"], second["command"]) == ("card", "list")
        assert first["request_id"] != second["request_id"]
    else:
        assert ",125 INFO waymark.requests: card" in lines[0]
        assert ",500 INFO waymark.requests: list" in lines[1]


async def test_any_other_line_is_written_after_the_lines_waiting(serve_logs: ServeLogs) -> None:
    stderr = serve_logs.begin()
    answered("card", "U0LEAD", 1.0)
    logging.getLogger("waymark.scheduler").warning("the digest could not be posted")
    assert shown(stderr) == [
        "card on slack answered in 1 ms",
        "the digest could not be posted",
    ]


def test_a_line_written_with_no_loop_running_is_written_at_once(serve_logs: ServeLogs) -> None:
    stderr = serve_logs.begin()
    answered("card", "U0LEAD", 1.0)
    assert shown(stderr) == ["card on slack answered in 1 ms"]


def test_a_line_waiting_when_the_process_exits_is_written() -> None:
    code = (
        "import asyncio, logging, sys\n"
        "from bot.logs import configure_logging, write_line\n"
        "configure_logging('text')\n"
        "async def answer_then_stop():\n"
        "    write_line(logging.getLogger('waymark.requests'), logging.INFO, 'card answered')\n"
        "    sys.exit(3)\n"
        "asyncio.run(answer_then_stop())\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env=os.environ,
    )  # fmt: skip
    assert done.returncode == 3
    assert done.stderr.endswith(" INFO waymark.requests: card answered\n")
