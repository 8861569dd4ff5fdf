"""Failures a test or a benchmark asks the Web API for, the ways Slack fails: a refusal, a rate
limit (429 with Retry-After), a server error before the call does anything, a server error after
it has done it (a post stored all the same), an answer lost on the way back (stored, the
connection cut), and an answer held back until released (or for some seconds).

Each is queued for one method and used up as calls take it; `times=None` keeps it for every call
(a history that is never readable, as when a scope was not granted)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    REFUSE = "refuse"  # {"ok": false, "error": ...}, nothing done
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After, nothing done
    SERVER_ERROR = "server_error"  # 5xx, nothing done
    ERROR_AFTER = "error_after"  # done, then answered 5xx
    LOSE_ANSWER = "lose_answer"  # done, then the connection cut: no answer at all
    SLOW = "slow"  # done, the answer held until released or `seconds` pass


# Faults that stop a call before it does anything; the rest let it run first.
BEFORE = {Kind.REFUSE, Kind.RATE_LIMIT, Kind.SERVER_ERROR}


@dataclass
class Fault:
    kind: Kind
    error: str = ""
    status: int = 200
    retry_after: int | None = None
    seconds: float = 0.0
    remaining: int | None = 1  # None: every call
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def answer(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        """The body, status and headers Slack answers with for this fault."""
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return {"ok": False, "error": self.error}, self.status, headers

    async def hold(self) -> None:
        """For a slow answer: until `release()` is called, or `seconds` have passed."""
        try:
            async with asyncio.timeout(self.seconds or None):
                await self.released.wait()
        except TimeoutError:
            pass


class Faults:
    """The faults queued per Web API method, first queued first used."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}
        self._held: list[Fault] = []

    def add(self, method: str, fault: Fault) -> None:
        self._queued.setdefault(method, []).append(fault)

    def fail_next(self, method: str, error: str, *, times: int | None = 1) -> None:
        """Refuse: Slack answers `{"ok": false, "error": error}` and does nothing."""
        self.add(method, Fault(Kind.REFUSE, error, remaining=times))

    def rate_limit(self, method: str, *, times: int | None = 1, retry_after: int = 1) -> None:
        self.add(
            method,
            Fault(Kind.RATE_LIMIT, "ratelimited", 429, retry_after=retry_after, remaining=times),
        )

    def server_error(self, method: str, *, status: int = 500, times: int | None = 1) -> None:
        """A 5xx before the call does anything."""
        self.add(method, Fault(Kind.SERVER_ERROR, "internal_error", status, remaining=times))

    def error_after(self, method: str, *, status: int = 503, times: int | None = 1) -> None:
        """The call does its work (a post is stored), then Slack answers a 5xx."""
        self.add(method, Fault(Kind.ERROR_AFTER, "internal_error", status, remaining=times))

    def lose_answer(self, method: str, *, times: int | None = 1) -> None:
        """The call does its work, and the answer never arrives: the connection is cut."""
        self.add(method, Fault(Kind.LOSE_ANSWER, remaining=times))

    def slow(self, method: str, *, seconds: float = 0.0, times: int | None = 1) -> None:
        """The call does its work, and its answer waits for `release()` (or `seconds`, if
        given): what a client that gives up first sees as a timeout."""
        self.add(method, Fault(Kind.SLOW, seconds=seconds, remaining=times))

    def release(self) -> None:
        """Let every answer held back by `slow` go."""
        for fault in self._held:
            fault.released.set()
        self._held.clear()

    def clear(self) -> None:
        self._queued.clear()
        self.release()

    def take(self, method: str) -> Fault | None:
        """The fault for this call of `method`, if one is queued, used up as it is taken."""
        queue = self._queued.get(method)
        if not queue:
            return None
        fault = queue[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
        if fault.kind is Kind.SLOW:
            self._held.append(fault)
        return fault
