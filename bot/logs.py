"""waymark's log lines: plain text, or with WAYMARK_LOG_FORMAT=json one JSON object per line, for
a log collector. A line written while an event is handled carries that request's context: an id
shared by its lines, the platform, the command (a fixed label, never the words typed), the
channel, and the user as a hash.

The user is hashed (the first 16 hex digits of SHA-256 of the chat id), not written as is: one
person's requests can be followed through the logs, logs kept elsewhere and longer hold no chat
ids, and forgetting a person (`waymark people forget`) need not reach them. To find someone's
lines, hash their id the same way: `printf %s U0123ABCD | sha256sum | cut -c1-16`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import sys
import time
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    platform: str
    command: str
    user: str
    channel: str


_REQUEST: ContextVar[RequestContext | None] = ContextVar("waymark_request", default=None)


@functools.lru_cache(maxsize=4096)  # the same few people ask again and again
def user_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:16] if user_id else ""


def current_request() -> RequestContext | None:
    return _REQUEST.get()


def enter_request(
    platform: str, command: str, user_id: str, channel_id: str
) -> Token[RequestContext | None]:
    """Lines logged from now on (and in tasks started from now on) carry this request's
    context, until `leave_request` is given what this returned."""
    context = RequestContext(
        secrets.token_hex(8), platform, command, user_hash(user_id), channel_id
    )
    return _REQUEST.set(context)


def leave_request(token: Token[RequestContext | None]) -> None:
    _REQUEST.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request's context
    when there is one, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current_request()
        if context is not None:
            line.update(vars(context))  # its fields in order, as `asdict` (which copies each)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, with the date and time worked out once a second rather than for every
    line (the milliseconds still each line's): the same text as `logging.Formatter`'s."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second, text = self._second
        if second != int(record.created):
            second = int(record.created)
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, text)  # one assignment: threads see both or neither
        return f"{text},{int(record.msecs):03d}"  # as `default_msec_format` writes it


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs, told apart from others so it is replaced. It
    writes to standard error as it is when a line is written (as `logging.lastResort` does)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        return

    def flush(self) -> None:
        # Python writes each line to a line-buffered standard error through as it is written
        # (every line ends with one): flushing it again after each line only takes a lock.
        if not getattr(sys.stderr, "line_buffering", False):
            super().flush()


class _WithoutKnownNoise(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself, and warns at every start that it is unused when it is
    given a client too, as waymark gives it one on purpose (one pace per channel)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("slack_bolt") and "`token` will be unused" in record.getMessage()
        )


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Log to standard error in `log_format` ("text" or "json"), at `level` and above."""
    # Neither format shows a line's thread or process: not looked up for every line (the
    # logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler()
    handler.addFilter(_WithoutKnownNoise())
    handler.setFormatter(JsonFormatter() if log_format == "json" else _TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # A line a minute, and two at every start: not worth an operator's attention.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
