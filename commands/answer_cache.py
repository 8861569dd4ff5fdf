"""Answers kept in memory: `/outcome N`, `/outcome list` and `/outcome overdue` are the same
for everyone on a given day until something they show changes, so each is worked out once and
kept until then.

An answer is kept with the `version` of the database's change count it was worked out under
(`storage.changes`): this process's own writes move the version at once, so it never shows an
answer its own write made out of date; other processes' writes move it when `watch()` next
looks, within `POLL_SECONDS`. The day is part of the key (due dates move with it).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from commands.presentation.replies import Reply
from storage.changes import ChangeWatch
from storage.db import Database

POLL_SECONDS = 0.5
# Enough for every outcome's card of the largest road maps measured, and their lists.
KEPT_AT_MOST = 20_000
# The commands whose answers are the same for whoever asks, wherever.
SHARED_ANSWERS = frozenset({"card", "list", "overdue"})

Key = tuple[str, date]


class AnswerCache:
    def __init__(self, changes: ChangeWatch, *, kept_at_most: int = KEPT_AT_MOST) -> None:
        self.changes = changes
        self.kept_at_most = kept_at_most
        self._kept: OrderedDict[Key, tuple[int, Reply]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def version(self) -> int:
        return self.changes.version

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Key) -> Reply | None:
        found = self._kept.get(key)
        if found is None or found[0] != self.changes.version:
            self.misses += 1
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return found[1]

    def keep(self, key: Key, version: int, reply: Reply) -> None:
        """Keep `reply`, worked out under `version` (taken before the work began, so that a
        change made while it was worked out leaves it out of date)."""
        if version != self.changes.version:
            return
        self._kept[key] = (version, reply)
        self._kept.move_to_end(key)
        while len(self._kept) > self.kept_at_most:
            self._kept.popitem(last=False)


def answer_key(text: str, today: date) -> Key:
    """Commands written differently but meaning the same share an answer (`12`, ` 12 `)."""
    return " ".join(text.lower().split()), today


async def watch(db: Database, every: float = POLL_SECONDS) -> None:
    """Look at the database's change count every `every` seconds, for ever (cancel to stop),
    so that answers another process made out of date are not shown."""
    while True:
        try:
            await look(db)
        except (SQLAlchemyError, OSError, TimeoutError):
            # Nobody can say what changed: nothing kept is trusted until a look succeeds.
            db.changes.lost_track()
        await asyncio.sleep(every)


async def look(db: Database) -> bool:
    """One look at the change count: whether another process changed something."""
    async with db.reading() as session:
        return await db.changes.poll(session)
