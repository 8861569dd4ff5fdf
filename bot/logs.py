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

import asyncio
import functools
import hashlib
import json
import logging
import random
import sys
import time
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RequestContext:
    """The context of the request being handled. Its id is drawn when the request begins, and
    written out, like the user's hash, only when a line shows them: most requests answered
    from memory write one line, in text, which shows neither."""

    __slots__ = ("_drawn", "channel", "command", "platform", "user_id")

    def __init__(self, platform: str, command: str, user_id: str, channel: str) -> None:
        # 16 hex digits to tell one request's lines from another's. Not a secret, so not from
        # the system's randomness: a system call each, measured costing about as much as
        # writing the line. `random` seeds itself afresh in a forked process, so workers
        # never share ids.
        self._drawn = random.getrandbits(64)
        self.platform, self.command, self.user_id, self.channel = (
            platform, command, user_id, channel,
        )  # fmt: skip

    @property
    def request_id(self) -> str:
        return f"{self._drawn:016x}"

    @property
    def user(self) -> str:
        return user_hash(self.user_id)

    def fields(self) -> dict[str, str]:
        """As a JSON line shows them, in this order."""
        return {
            "request_id": self.request_id,
            "platform": self.platform,
            "command": self.command,
            "user": self.user,
            "channel": self.channel,
        }


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
    return _REQUEST.set(RequestContext(platform, command, user_id, channel_id))


def leave_request(token: Token[RequestContext | None]) -> None:
    _REQUEST.reset(token)


Context = RequestContext | None


# What `json.dumps(line, ensure_ascii=False)` encodes with, made once rather than for each line.
_JSON = json.JSONEncoder(ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request's context
    when there is one, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = self._fields(
            record.created, record.levelname, record.name, record.getMessage(), current_request()
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return _JSON.encode(line)

    def line(
        self, created: float, levelname: str, name: str, message: str, context: Context
    ) -> str:
        """`format` of a record without an exception or a stack, made during `context`
        (`write_line`)."""
        return _JSON.encode(self._fields(created, levelname, name, message, context))

    def _fields(
        self, created: float, levelname: str, name: str, message: str, context: Context
    ) -> dict[str, object]:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
            "level": levelname,
            "logger": name,
            "message": message,
        }
        if context is not None:
            line.update(context.fields())
        return line


class _TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, with the date and time worked out once a second rather than for every
    line (the milliseconds still each line's): the same text as `logging.Formatter`'s."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self._asctime(record.created, record.msecs)

    def line(
        self, created: float, levelname: str, name: str, message: str, _context: Context
    ) -> str:
        """`format` of a record without an exception or a stack (`write_line`)."""
        # msecs as `logging.LogRecord` works them out from the time it was made.
        asctime = self._asctime(created, int((created - int(created)) * 1000))
        fields = {"asctime": asctime, "levelname": levelname, "name": name, "message": message}
        return TEXT_FORMAT % fields

    def _asctime(self, created: float, msecs: float) -> str:
        second, text = self._second
        if second != int(created):
            second = int(created)
            text = time.strftime(self.default_time_format, self.converter(created))
            self._second = (second, text)  # one assignment: threads see both or neither
        return f"{text},{int(msecs):03d}"  # as `default_msec_format` writes it


class _WithoutKnownNoise(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself, and warns at every start that it is unused when it is
    given a client too, as waymark gives it one on purpose (one pace per channel)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return self.keeps(record.name, record.getMessage())

    @staticmethod
    def keeps(name: str, message: str) -> bool:
        return not (name.startswith("slack_bolt") and "`token` will be unused" in message)


# A line `write` was given, not yet written: when, level, logger, message, request.
_Waiting = tuple[float, int, str, str, Context]


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs, told apart from others so it is replaced. It
    writes to standard error as it is when a line is written (as `logging.lastResort` does).

    The lines `write` is given while an event loop runs (every request's) are made and written
    together when the loop next turns, before it waits for anything: twenty requests answered
    in one turn are one write, and making twenty lines in a row costs half what making each
    between two requests does. They keep the time they were given; a line written any other
    way first writes those waiting, so the order is kept, and so does `flush`, which logging
    calls for every handler as the interpreter exits."""

    def __init__(self, formatter: _TextFormatter | JsonFormatter) -> None:
        super().__init__()
        self.noise = _WithoutKnownNoise()
        self.addFilter(self.noise)
        self.setFormatter(formatter)
        self.own = formatter  # what `write` formats with, while it is this handler's formatter
        self._waiting: list[_Waiting] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None  # where a flush is to come

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        return

    def emit(self, record: logging.LogRecord) -> None:
        if self._waiting:
            self.flush()
        super().emit(record)

    def flush(self) -> None:
        """Write the lines waiting, then what standard error holds."""
        self.acquire()
        try:
            waiting, self._waiting, self._flush_on = self._waiting, [], None
            if waiting:
                self._write_out(waiting)
            # Python writes each line to a line-buffered standard error through as it is
            # written (every line ends with one): flushing it again only takes a lock.
            if not getattr(sys.stderr, "line_buffering", False):
                super().flush()
        finally:
            self.release()

    def _write_out(self, waiting: list[_Waiting]) -> None:
        line, end = self.own.line, self.terminator
        try:
            self.stream.write(
                "".join(
                    [
                        line(at, logging.getLevelName(lv), n, m, c) + end
                        for at, lv, n, m, c in waiting
                    ]
                )
            )
        except RecursionError:  # as `StreamHandler.emit`
            raise
        except Exception:
            at, level, name, message, _ = waiting[0]
            self.handleError(
                logging.makeLogRecord(
                    {
                        "name": name,
                        "msg": message,
                        "created": at,
                        "levelno": level,
                        "levelname": logging.getLevelName(level),
                    }
                )
            )

    def write(self, name: str, level: int, message: str) -> bool:
        """Write the line `handle` would write for a record of `message`, as `handle` writes
        it, without the record; False, having written nothing, when this handler is no longer
        only as `configure_logging` set it up (another filter, another formatter)."""
        if (
            level < self.level
            or self.formatter is not self.own
            or len(self.filters) != 1
            or self.filters[0] is not self.noise
        ):
            return False
        if not self.noise.keeps(name, message):
            return True
        waiting = (time.time(), level, name, message, current_request())
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self.acquire()
        try:
            self._waiting.append(waiting)
            if loop is None:
                self.flush()
            elif self._flush_on is not loop:
                # Once a turn, on the loop of the line (another loop, stopped before its turn
                # came, must not keep this one's lines waiting).
                self._flush_on = loop
                loop.call_soon(self.flush)
        finally:
            self.release()
        return True


def _only_handler(logger: logging.Logger) -> _OurHandler | None:
    """`configure_logging`'s handler when it is the only one a line `logger` writes reaches,
    and nothing on the way would filter it."""
    if logger.disabled or logger.filters:
        return None
    found = None
    at: logging.Logger | None = logger
    while at is not None:
        for handler in at.handlers:
            if found is not None or type(handler) is not _OurHandler:
                return None
            found = handler
        at = at.parent if at.propagate else None
    return found


def write_line(logger: logging.Logger, level: int, msg: str, *args: object) -> None:
    """`logger.log(level, msg, *args)`, for the line every request writes: the same line,
    made without a `LogRecord` (nor a look up the stack for a file and line no format shows)
    when it would reach only the handler `configure_logging` installed; through a record
    otherwise (a test's handler, an operator's). Half or more of the line's cost is the
    record and the handling of it."""
    if not logger.isEnabledFor(level):
        return
    handler = _only_handler(logger)
    if handler is not None:
        try:
            message = msg % args if args else msg  # as `LogRecord.getMessage`
        except (TypeError, ValueError):
            pass  # the record's way, which reports it as logging does
        else:
            if handler.write(logger.name, level, message):
                return
    logger.handle(logger.makeRecord(logger.name, level, __file__, 0, msg, args, None))


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Log to standard error in `log_format` ("text" or "json"), at `level` and above."""
    # Neither format shows a line's thread or process: not looked up for every line (the
    # logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
        handler.flush()  # its lines still waiting
    root.addHandler(_OurHandler(JsonFormatter() if log_format == "json" else _TextFormatter()))
    root.setLevel(level)
    # A line a minute, and two at every start: not worth an operator's attention.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The first chart on a machine builds matplotlib's list of fonts and says so at INFO; its
    # warning that the build is taking a while still shows.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
