"""Answers kept in memory: `/outcome N`, `/outcome list` and `/outcome overdue` are the same
for everyone on a given day until something they show changes, so each is worked out once and
kept until then.

An answer is kept with the `version` of the database's change count it was worked out under
(`storage.changes`): this process's own writes move the version at once, so it never shows an
answer its own write made out of date; other processes' writes move it when `watch()` next
looks, within `POLL_SECONDS`. The day is part of the key (due dates move with it).

A platform whose adapter can send an answer as it was encoded once (Slack: the body of the
command's acknowledgement) registers how to encode it (`pack_for`): each answer kept is then kept
encoded, ready to send, and on its own when no other platform reads the cache (the encoding is
half the size of the `Reply`, ~1.8 KB against ~3.8 KB a card).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import NewType

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
# An answer as a platform's adapter sends it, encoded by the adapter's `Packer`.
Packed = NewType("Packed", str)
# How a platform encodes a reply it can send as it is; None for one it cannot (a shared answer,
# one with a chart to draw), which is kept as the `Reply`.
Packer = Callable[[Reply], str | None]
# What is kept for a key: the version it was worked out under, the reply (None when only its
# packed form is needed), and its packed form (None when nobody packs it).
_Entry = tuple[int, Reply | None, Packed | None]


class AnswerCache:
    def __init__(self, changes: ChangeWatch, *, kept_at_most: int = KEPT_AT_MOST) -> None:
        self.changes = changes
        self.kept_at_most = kept_at_most
        self._kept: OrderedDict[Key, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._packs_for: str | None = None
        self._pack: Packer | None = None
        self._read_as_replies: set[str] = set()
        self._counted: Callable[[int], None] | None = None

    def pack_for(self, platform: str, pack: Packer) -> None:
        """Keep answers as `pack` encodes them for `platform` (`get_packed`), and not as
        replies too unless another platform reads them (`keep_replies_for`): an answer asked
        for as a `Reply` is then worked out again. Called as the platform's adapter is built."""
        self._packs_for, self._pack = platform, pack

    def count_with(self, told: Callable[[int], None]) -> None:
        """Tell `told` how many answers are kept, now and whenever that changes (an
        operator's gauge; each process of `waymark serve --workers` writes its own)."""
        self._counted = told
        told(len(self._kept))

    def keep_replies_for(self, platform: str) -> None:
        """`platform`'s adapter sends kept answers from their `Reply` (`get`): keep them."""
        self._read_as_replies.add(platform)

    @property
    def version(self) -> int:
        return self.changes.version

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Key) -> Reply | None:
        found = self._kept.get(key)
        if found is None or found[0] != self.changes.version or found[1] is None:
            self.misses += 1
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return found[1]

    def get_packed(self, key: Key, platform: str) -> Reply | Packed | None:
        """What is kept for `key`, packed when `platform` packs it."""
        found = self._kept.get(key)
        if found is None or found[0] != self.changes.version:
            self.misses += 1
            return None
        answer = found[2] if platform == self._packs_for and found[2] is not None else found[1]
        if answer is None:
            self.misses += 1
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return answer

    def keep(self, key: Key, version: int, reply: Reply) -> Packed | None:
        """Keep `reply`, worked out under `version` (taken before the work began, so that a
        change made while it was worked out leaves it out of date); its packed form, when it
        was kept packed."""
        if version != self.changes.version:
            return None
        packed = None
        if self._pack is not None:
            encoded = self._pack(reply)
            packed = None if encoded is None else Packed(encoded)
        kept = reply if packed is None or self._read_as_replies else None
        self._kept[key] = (version, kept, packed)
        self._kept.move_to_end(key)
        while len(self._kept) > self.kept_at_most:
            self._kept.popitem(last=False)
        if self._counted is not None:
            self._counted(len(self._kept))
        return packed

    def packs_for(self, platform: str) -> bool:
        return platform == self._packs_for


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
