"""The audit log: who changed what, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver_statements import DriverStatement
from storage.models import AuditEntry

_TABLE = cast(Table, AuditEntry.__table__)
# Every reading stored writes one, through the driver (`storage.driver_statements`).
_INSERT = DriverStatement(
    insert(_TABLE)
    .values(
        {name: bindparam(name) for name in ("at", "actor", "action", "subject", "before", "after")}
    )
    .inline()  # nothing to read back (PostgreSQL's would return the new id)
)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at, actor=actor, action=action, subject=subject, before=before, after=after
            )
        )

    async def insert(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """`record`, written at once in one statement, without the ORM's unit of work."""
        values = {"at": at, "actor": actor, "action": action, "subject": subject}
        await _INSERT.rows(self.session, {**values, "before": before, "after": after})

    async def for_subject(self, subject: str) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
        return (await self.session.scalars(query)).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
