"""Whether a unit of work changed what answers show: noted on its session as it writes, so
that `storage.changes` counts one change for it. Writing only bookkeeping no answer shows
(`QUIET_TABLES`) is not a change."""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

_CHANGED = "waymark_changed"  # in `Session.info`: this unit of work changed what answers show

# Bookkeeping no answer shows: writing it does not make a kept answer out of date.
QUIET_TABLES = frozenset(
    {
        "audit_log",
        "changes",
        "conversation_refs",
        "digests",
        "event_receipts",
        "outbox",
        "outbox_attempts",
        "posts",
        "questions",
        "reminders",
        "sent_cards",
        "unreachable_channels",
    }
)


class WatchedSession(Session):
    """A session that notes whether it wrote anything answers show."""


def mark_changed(session: AsyncSession | Session) -> None:
    """Note a change made around the ORM (a bulk load through the driver)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info[_CHANGED] = True


def changed(session: AsyncSession) -> bool:
    return bool(session.sync_session.info.get(_CHANGED))


def shows_in_answers(table: Any) -> bool:
    """Whether writing to `table` (a Table, or anything with its name) changes what answers show."""
    return getattr(table, "name", None) not in QUIET_TABLES


@event.listens_for(WatchedSession, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    if session.info.get(_CHANGED):
        return
    for instance in chain(session.new, session.dirty, session.deleted):
        if shows_in_answers(getattr(type(instance), "__table__", None)):
            session.info[_CHANGED] = True
            return


@event.listens_for(WatchedSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and shows_in_answers(getattr(state.statement, "table", None)):
        state.session.info[_CHANGED] = True
