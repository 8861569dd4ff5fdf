"""A count of the changes to what waymark shows, kept in the database, so that every replica
knows when answers it keeps in memory may be out of date.

A unit of work that wrote to a table whose rows answers show (`storage.change_marks` notes it)
counts one change: on SQLite in the same transaction (`changes`, one row; its writers take
turns anyway), on PostgreSQL just after the commit (`nextval` of the sequence `waymark_changes`,
which takes no lock, so that writers never queue behind each other for it; counted after the
commit, a change is never seen before the rows it counts are). The replica
that wrote knows at once (`ChangeWatch.version`); the others when they next `poll()`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.driver_statements import DriverStatement

SEQUENCE = "waymark_changes"


class ChangeCount(Base):
    """How many changes SQLite has counted (one row, made by the first change)."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counted: Mapped[int] = mapped_column(BigInteger)


# The first change makes the row. Through the driver, as every reading counts one.
_COUNT = DriverStatement(
    text(
        "INSERT INTO changes (id, counted) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET counted = counted + 1"
    )
)


_NEXT = DriverStatement(text(f"SELECT nextval('{SEQUENCE}')"), any_time=True)


class ChangeWatch:
    """This process's view of the count. `version` moves whenever this process wrote, or saw
    that another did: an answer kept under an older `version` may be out of date."""

    def __init__(self, postgresql: bool) -> None:
        self.postgresql = postgresql
        self.version = 0
        self._counted: int | None = None

    async def count_in(self, session: AsyncSession) -> None:
        """Before the commit of a unit of work that changed something (SQLite)."""
        if self.postgresql:
            return
        await _COUNT.rows(session)

    async def count_after(self, session: AsyncSession) -> None:
        """After the commit of a unit of work that changed something."""
        self.version += 1
        if self.postgresql:
            # Through the driver, on its own: no transaction undoes a sequence's `nextval`, so
            # none is begun for it (nor rolled back after, which would expire what the unit of
            # work loaded, which its caller still reads).
            await _NEXT.rows(session)

    async def poll(self, session: AsyncSession) -> bool:
        """Read the count; True (and `version` moved on) when it moved since the last look."""
        if self.postgresql:
            counted = await session.scalar(text(f"SELECT last_value FROM {SEQUENCE}"))  # noqa: S608
        else:
            counted = await session.scalar(select(ChangeCount.counted).where(ChangeCount.id == 1))
        counted = int(counted or 0)
        moved = self._counted is not None and counted != self._counted
        self._counted = counted
        if moved:
            self.version += 1
        return moved

    def lost_track(self) -> None:
        """The count could not be read: whatever was kept may be out of date."""
        self.version += 1
        self._counted = None
