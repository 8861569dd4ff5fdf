"""Locking published periods: once a figure is published, leads can no longer change it, and an
administrator can revise it only with a reason, marked as revised after publication.

`lock_through` is what publishing calls (`waymark lock`, and the progress report when it is
published)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.errors import UserError
from commands.presentation.formatting import day
from storage.publication_models import PeriodLock
from storage.repositories import AuditRepository, LockRepository


async def lock_through(
    session: AsyncSession,
    *,
    through: date,
    by: str,
    reason: str,
    now: datetime,
    admins: Iterable[str] | None = None,
    outcomes: Iterable[int] | None = None,
) -> PeriodLock:
    """Lock every reading whose period ends on or before `through`: of the outcomes whose ids
    are `outcomes` (a report for one area or group locks only what it reports), or of every
    outcome. `by` must be one of `admins`, when they are given; the reason is kept, and said to
    anyone who tries to change a locked figure."""
    reason = reason.strip()
    if not reason:
        raise UserError(
            "Say why the periods are locked, so that people who try to change them know: "
            'for example `--reason "Published in the 2025 progress report"`.'
        )
    if admins is not None and by not in set(admins):
        raise UserError(f"Only administrators can lock periods, and {by} is not one.")
    ids = None if outcomes is None else sorted(set(outcomes))
    lock = PeriodLock(through=through, reason=reason, locked_by=by, locked_at=now, outcomes=ids)
    LockRepository(session).add(lock)
    await session.flush()
    AuditRepository(session).record(
        at=now,
        actor=by,
        action="periods.locked",
        subject=f"lock:{lock.id}",
        after={"through": through.isoformat(), "reason": reason, "outcomes": ids or "every"},
    )
    return lock


def lock_summary(lock: PeriodLock, of: str = "") -> str:
    """What was locked, in people's words; `of`: the name of the area or group whose outcomes
    a scoped lock covers."""
    return (
        f"Locked {locked_readings(lock, of)} whose period ends on or before {day(lock.through)} "
        f"({lock.reason}). Leads can no longer change them; administrators can revise them "
        "only with a reason, and the revision is marked as made after publication."
    )


def locked_readings(lock: PeriodLock, of: str = "") -> str:
    """Which readings a lock covers: "every reading", or "the readings of the 8 outcomes of
    Net zero"."""
    if lock.outcomes is None:
        return "every reading"
    count = len(lock.outcomes)
    outcomes = "the outcome" if count == 1 else f"the {count} outcomes"
    return f"the readings of {outcomes}{f' of {of}' if of else ''}"
