"""Signed requests as Slack sends them, one at a time or many at once, timed from sending to the
answer arriving."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from playground.delivery import signature

TEAM = "T0BENCH"
APP = "A0BENCH"
BOT_USER = "U0WAYMARK"
REQUEST_TIMEOUT = 60.0  # at the stress scale, 20 lists at once take 20-25 s each


@dataclass
class Sample:
    """Latencies of one load run, in seconds, and how long the run took."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    first_error: str | None = None

    def extend(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.wall += other.wall
        self.first_error = self.first_error or other.first_error

    @property
    def count(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, p: float) -> float:
        """Nearest rank: the smallest latency at or above which p% of them fall."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else math.nan


class Check:
    """What an answer must look like to count: status 200, and for waymark the words."""

    def __init__(self, *, contains: str | None = None) -> None:
        self.contains = contains

    def problem(self, status: int, body: str) -> str | None:
        if status != 200:
            return f"HTTP {status}: {body[:200]}"
        if self.contains is not None and self.contains not in body:
            return f"unexpected answer: {body[:200]}"
        return None


class Sender:
    """Signs and posts requests to one events URL, over a pool of keep-alive connections."""

    def __init__(self, session: aiohttp.ClientSession, url: str, secret: str) -> None:
        self.session = session
        self.url = url
        self.secret = secret

    async def post(
        self, body: bytes, content_type: str, check: Check, sample: Sample
    ) -> float | None:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(self.secret, stamp, body),
        }
        began = time.perf_counter()
        try:
            async with self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            ) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            sample.errors += 1
            sample.first_error = sample.first_error or repr(error)
            return None
        took = time.perf_counter() - began
        problem = check.problem(status, text)
        if problem is not None:
            sample.errors += 1
            sample.first_error = sample.first_error or problem
            return None
        sample.latencies.append(took)
        return took


async def run_load(
    send: Callable[[int, Sample], Awaitable[Any]], count: int, concurrency: int
) -> Sample:
    """`count` requests, `concurrency` in flight at a time (each worker sends its next as soon
    as its last is answered). `send(i, sample)` sends request i and records it."""
    sample = Sample()
    numbers = iter(range(count))
    lock = asyncio.Lock()

    async def worker() -> None:
        while True:
            async with lock:
                i = next(numbers, None)
            if i is None:
                return
            await send(i, sample)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    sample.wall = time.perf_counter() - began
    return sample


def command_body(*, user: str, channel: str, text: str, response_url: str) -> bytes:
    """A slash command's form, as Slack sends it."""
    return urlencode(
        {
            "token": "benchVerificationToken",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": channel,
            "channel_name": "bench",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/outcome",
            "text": text,
            "api_app_id": APP,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{secrets.randbelow(10**9)}.{secrets.token_hex(8)}",
        }
    ).encode()


_event_ids = itertools.count(1)


def reply_event(
    *, user: str, channel: str, thread_ts: str, ts: str, text: str
) -> tuple[str, bytes]:
    """A thread reply as an Events API envelope with its own event id: (event id, body)."""
    event_id = f"Ev0BENCH{next(_event_ids):08d}{secrets.token_hex(3).upper()}"
    envelope = {
        "token": "benchVerificationToken",
        "team_id": TEAM,
        "context_team_id": TEAM,
        "context_enterprise_id": None,
        "api_app_id": APP,
        "event": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "parent_user_id": BOT_USER,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "channel",
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return event_id, json.dumps(envelope).encode()


def summary_ms(sample: Sample) -> dict[str, float | int | str | None]:
    return {
        "count": sample.count,
        "errors": sample.errors,
        "p50_ms": round(sample.percentile(50) * 1000, 2),
        "p90_ms": round(sample.percentile(90) * 1000, 2),
        "p99_ms": round(sample.percentile(99) * 1000, 2),
        "first_error": sample.first_error,
    }


def ratio(value: float, floor: float) -> float:
    return round(value / floor, 2) if floor > 0 else math.nan
