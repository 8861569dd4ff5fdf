"""Work to do once a unit of work is committed for good, and never if it is rolled back
(counting a reading recorded, for one).

Kept in the session's `info` and run by one listener on every session, rather than by a
listener added to the session each time: SQLAlchemy builds a session its own dispatcher the
first time one is added to it, which cost 2-3 % of a thread-reply reading's CPU.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.change_marks import WatchedSession

_WAITING = "waymark_after_commit"  # in `Session.info`: what to run once it is committed


def after_commit(session: AsyncSession, work: Callable[[], None]) -> None:
    """Run `work` once the unit of work `session` is in is committed; never if it rolls back."""
    session.sync_session.info.setdefault(_WAITING, []).append(work)


# Both fire for a savepoint too (`begin_nested`), which ends nothing: the unit of work goes on.
@event.listens_for(WatchedSession, "after_commit")
def _committed(session: Session) -> None:
    if not session.in_nested_transaction():
        for work in session.info.pop(_WAITING, ()):
            work()


@event.listens_for(WatchedSession, "after_rollback")
def _rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WAITING, None)
