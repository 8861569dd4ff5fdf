"""PostgreSQL connections are checked before use only when they have sat unused for a while.

A connection the server closed (a restart, a failover, an idle timeout on the way) is found
before a unit of work is given it, and a new one made: the pool's `pre_ping` does that with a
round trip to the server on every checkout, which cost a tenth of a thread-reply reading's CPU
on the bench machine (`python -m bench.ingest_profile`). A connection given back moments ago
was working moments ago, and under load every connection is: only one that sat in the pool for
`idle` seconds or more is pinged. One lost within that second fails its unit of work as any
connection lost in the middle of one does: "the database is not answering", and the pool gives
up the connections made before it (SQLAlchemy's own handling of a disconnect).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

# Seconds a connection may sit in the pool and still be handed out without a ping.
IDLE = 1.0

_RETURNED = "waymark_returned_at"  # in the pool's record of a connection: when it came back


def ping_after_idle(
    engine: Engine, idle: float = IDLE, clock: Callable[[], float] = time.monotonic
) -> None:
    """Ping a connection of `engine`'s pool before it is handed out when it was last given back
    `idle` seconds ago or more; one that does not answer is replaced (the pool tries again)."""

    def given_back(_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = clock()

    def handed_out(connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or clock() - returned < idle:
            return  # new, or used moments ago
        try:
            engine.dialect.do_ping(connection)
        except Exception as error:
            # The pool gives this connection up and hands out another (a new one if need be).
            raise DisconnectionError(f"a connection idle for a while was lost: {error}") from error

    event.listen(engine, "checkin", given_back)
    event.listen(engine, "checkout", handed_out)
