"""Work that happens after a request is answered (chart uploads, confirmations), tracked so
that shutdown and tests can wait for it instead of losing it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from commands.answer_cache import look, watch
from commands.conversations import Core
from commands.outcomes.warming import keep_warm
from storage.db import Database

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.get_running_loop().create_task(self._logged(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every piece of background work, including work it started, has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except Exception:
            # Background work has nobody to report to but the log: say what failed.
            log.exception("background work failed: %s", what)


async def watching_changes(db: Database, core: Core) -> Callable[[], Awaitable[None]]:
    """Start looking at the database's change count (`commands.answer_cache.watch`), having
    looked once already, before any answer is kept, and keeping every outcome's card warm
    (`commands.outcomes.warming`); what stops both."""
    await look(db)
    loop = asyncio.get_running_loop()
    tasks = [
        loop.create_task(watch(db)),
        loop.create_task(keep_warm(db, core.answers, core.clock, core.services.tz)),
    ]

    async def stop() -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return stop
