"""A harness served from a thread with its own event loop, for the doors' Hypothesis tests:
Hypothesis drives synchronous tests, and waymark's servers are asynchronous. Both doors (Slack's
and Teams') are fuzzed this way, over real HTTP, against a database on either backend."""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Generic, TypeVar

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Base
from tests.conftest import PostgresTarget, _in_thread
from tests.databases import empty

H = TypeVar("H")
T = TypeVar("T")
STARTED_WITHIN = 60.0


class ServedInThread(Generic[H]):
    """`serve()`'s harness, entered and left on a thread of its own; `run(work)` runs
    `work(harness)` on that thread's loop and gives its result."""

    def __init__(self, serve: Callable[[], AbstractAsyncContextManager[H]]) -> None:
        self.serve = serve
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stop: asyncio.Event | None = None
        self._harness: H | None = None

    @property
    def harness(self) -> H:
        assert self._harness is not None, "not started"
        return self._harness

    def __enter__(self) -> ServedInThread[H]:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop)
        assert self.ready.wait(STARTED_WITHIN), "waymark did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.ready.clear()
        self.ready.wait(STARTED_WITHIN)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(STARTED_WITHIN)
        self.loop.close()

    async def _serve(self) -> None:
        self.stop = asyncio.Event()
        async with self.serve() as harness:
            self._harness = harness
            self.ready.set()
            await self.stop.wait()
        self.ready.set()

    def run(self, work: Callable[[H], Awaitable[T]]) -> T:
        async def on_the_loop() -> T:
            return await work(self.harness)

        return asyncio.run_coroutine_threadsafe(on_the_loop(), self.loop).result(STARTED_WITHIN)


async def row_counts(db: Database) -> dict[str, int]:
    """How many rows each table holds: any change shows."""
    async with db.reading() as session:
        return {
            t.name: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST over real HTTP; the answer's status, whatever it is."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def fuzz_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database on the backend `request.param` names."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fuzz.db'}"
        _in_thread(_migrated(url))
        return url
    target: PostgresTarget = request.getfixturevalue("postgres")
    if target.url is None:
        pytest.skip(target.reason)
    _in_thread(_emptied(target.url))
    return target.url


async def _migrated(url: str) -> None:
    db = Database(url)
    await db.migrate()
    await db.dispose()


async def _emptied(url: str) -> None:
    db = Database(url)
    await empty(db)
    await db.dispose()
