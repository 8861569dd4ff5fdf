"""People by name: what people read names them ("submitted by Helen Marsh"), never by the id
their chat platform gives them (`U0HWBLEAD01`, or a Teams user's long Entra id). Ids stay in
the readings, the files and the audit log.

Names come from the road map's people.csv and from the chat platforms: Slack's `users.info`
the first time someone uses waymark, and the sender of every Teams activity. Someone nobody
has named yet is shown by their id, never an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.repositories import PeopleRepository

# Longer than any Slack user id (U0123456789, W…): an id from elsewhere, shortened in chat.
LONG_ID = 20


@dataclass(frozen=True)
class Names:
    """Names by user id, as far as the directory knows them."""

    known: Mapping[str, str] = field(default_factory=dict)

    def of(self, user_id: str) -> str:
        """The person's name, or their id when nobody has named them."""
        return self.known.get(user_id) or user_id

    def in_chat(self, user_id: str) -> str:
        """The person's name, as chat shows it: someone nobody has named yet is shown by the
        end of their id when it is a long one (a Teams user's Entra id is 36 characters that
        fill a narrow card and mean nothing to a reader)."""
        name = self.known.get(user_id)
        if name:
            return name
        if len(user_id) > LONG_ID:
            return f"someone not yet named (id …{user_id[-4:]})"
        return user_id


async def names_for(session: AsyncSession, user_ids: Iterable[str]) -> Names:
    """The names of these people, in one query."""
    return Names(await PeopleRepository(session).names_anywhere(user_ids))


# Asks the chat platform for someone's name: None when it cannot say (no permission, an error).
NameLookup = Callable[[], Awaitable[str | None]]


class PeopleBook:
    """Learns the names of people who use waymark on a platform that only gives their id with
    what they do (Slack): the platform is asked once, the first time they are seen by this
    process, and only if the directory has no name for them."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._asked: set[tuple[str, str]] = set()

    def wants(self, platform: str, user_id: str) -> bool:
        """Whether `learn` would look this person up: not once this process has."""
        return bool(user_id) and (platform, user_id) not in self._asked

    async def learn(self, platform: str, user_id: str, lookup: NameLookup) -> None:
        if not self.wants(platform, user_id):
            return
        # Asked or not, once is enough: a platform that cannot say now will not say next time.
        self._asked.add((platform, user_id))
        async with self.db.reading() as session:
            if await PeopleRepository(session).person(platform, user_id) is not None:
                return
        name = await lookup()
        if not name:
            return
        async with self.db.transaction() as session:
            await PeopleRepository(session).remember(platform, user_id, name, self.clock())


# For replies built where nobody has looked names up: everyone is shown by their id.
NO_NAMES = Names()
