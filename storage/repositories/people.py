"""The people directory: who chat users are, by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatPerson


class PeopleRepository:
    """The people directory: chat users' names, from people.csv or as their platform gave them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, platform: str, user_id: str, name: str, at: datetime) -> None:
        """The name a chat platform gives someone. A name from the road map's people.csv is
        kept: the performance team chose it."""
        person = await self.session.get(ChatPerson, (platform, user_id))
        if person is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        ChatPerson(
                            platform=platform,
                            user_id=user_id,
                            name=name,
                            updated_at=at,
                            organisation="",
                            from_roadmap=False,
                        )
                    )
                return
            except IntegrityError:
                person = await self.session.get(ChatPerson, (platform, user_id))
                assert person is not None
        if person.name != name and not person.from_roadmap:
            person.name, person.updated_at = name, at
            await self.session.flush()

    async def person(self, platform: str, user_id: str) -> ChatPerson | None:
        return await self.session.get(ChatPerson, (platform, user_id))

    def add(self, person: ChatPerson) -> None:
        self.session.add(person)

    async def names(self, platform: str, user_ids: Iterable[str]) -> dict[str, str]:
        query = select(ChatPerson).where(
            ChatPerson.platform == platform, ChatPerson.user_id.in_(list(user_ids))
        )
        return {p.user_id: p.name for p in await self.session.scalars(query)}

    async def names_anywhere(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Names by user id, whatever the platform: readings keep only the id, and Slack's and
        Teams' ids never look alike. A name from the road map wins over a chat platform's."""
        wanted = list(set(user_ids))
        if not wanted:
            return {}
        query = (
            select(ChatPerson)
            .where(ChatPerson.user_id.in_(wanted))
            # The last name read for an id is kept: the road map's sorts last.
            .order_by(ChatPerson.from_roadmap, ChatPerson.platform)
        )
        return {p.user_id: p.name for p in await self.session.scalars(query)}

    async def everyone(self) -> Sequence[ChatPerson]:
        """The whole directory, by platform and id."""
        query = select(ChatPerson).order_by(ChatPerson.platform, ChatPerson.user_id)
        return (await self.session.scalars(query)).all()
