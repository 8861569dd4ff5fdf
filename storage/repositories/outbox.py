"""The outbox: messages to post, each claimed by one sender at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, case, cast, false, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from storage.models import OutboxMessage, OutboxState
from storage.repositories._queries import insert_or_ignore

# Any number below 2**63 that no other part of waymark uses for an advisory lock.
_PLANNING_LOCK = 7305127


class OutboxRepository:
    """Messages to post, each claimed by one sender at a time and marked once it is posted."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_planning(self) -> None:
        """Let one replica plan at a time, so that a run's reminders for a group arrive as one
        message. Only an efficiency: the unique keys stop duplicates without it. The lock ends
        with the transaction (safe behind a transaction-pooling proxy). SQLite needs nothing:
        a writing transaction already holds its write lock from BEGIN."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PLANNING_LOCK}
            )

    async def add(
        self,
        *,
        key: str,
        kind: str,
        platform: str,
        channel_id: str,
        summary: str,
        payload: dict[str, Any],
        not_before: datetime,
        created_at: datetime,
        group_id: int | None = None,
        thread_id: str | None = None,
        message_id: str | None = None,
    ) -> OutboxMessage | None:
        """The new row, or None when a row with this key already exists. `message_id` is
        given for a row that changes a message posted already, instead of posting one."""
        statement = (
            insert_or_ignore(self.session, OutboxMessage)
            .values(
                key=key,
                kind=kind,
                platform=platform,
                channel_id=channel_id,
                thread_id=thread_id,
                group_id=group_id,
                message_id=message_id,
                summary=summary,
                payload=payload,
                state=OutboxState.PENDING,
                not_before=not_before,
                attempts=0,
                created_at=created_at,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id)
        )
        new_id = await self.session.scalar(statement)
        if new_id is None:
            return None
        return await self.session.get(OutboxMessage, new_id)

    async def claim(
        self,
        *,
        now: datetime,
        lease: timedelta,
        token: str,
        limit: int,
        kinds: Sequence[str] | None = None,
        except_kinds: Sequence[str] = (),
    ) -> Sequence[OutboxMessage]:
        """Take up to `limit` rows that are due, or whose sender's lease ran out, for this
        sender (`token`) until `now + lease`. Rows another sender is claiming are skipped."""
        due = or_(
            (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.not_before <= now),
            (OutboxMessage.state == OutboxState.SENDING) & (OutboxMessage.lease_until <= now),
        )
        candidates = select(OutboxMessage.id).where(due)
        if kinds is not None:
            candidates = candidates.where(OutboxMessage.kind.in_(list(kinds)))
        if except_kinds:
            candidates = candidates.where(OutboxMessage.kind.not_in(list(except_kinds)))
        candidates = (
            candidates.order_by(OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
            .values(
                # SET sees the row as it was (SQLite and PostgreSQL; not MySQL, which waymark
                # does not support): a row still `sending` whose sender had begun to post may
                # have been posted, so this sender looks for it first.
                look_first=and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.posting),
                state=OutboxState.SENDING,
                attempts=OutboxMessage.attempts + 1,
                claim_token=token,
                lease_until=now + lease,
                first_attempt_at=func.coalesce(OutboxMessage.first_attempt_at, now),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        claimed = (await self.session.scalars(statement)).all()
        return sorted(claimed, key=lambda row: (row.not_before, row.id))

    async def start_posting(self, row_id: int, token: str, lease_until: datetime) -> bool:
        """Record, before posting, that this row may be posted from now on, and hold it until
        `lease_until`. False when this sender's claim was lost: another sender has it."""
        return await self._update_claimed(row_id, token, posting=True, lease_until=lease_until)

    async def mark_sent(self, row_id: int, token: str, message_id: str, at: datetime) -> bool:
        """False when this sender's claim was lost (its lease ran out and another took over)."""
        return await self._update_claimed(
            row_id,
            token,
            state=OutboxState.SENT,
            message_id=message_id,
            sent_at=at,
            lease_until=None,
            last_error=None,
        )

    async def mark_done(self, row_id: int, token: str, at: datetime, note: str) -> bool:
        """Nothing is left to do for it (`note` says why): it ends as if sent, never tried
        again and never posted."""
        return await self._update_claimed(
            row_id, token, state=OutboxState.SENT, sent_at=at, lease_until=None, last_error=note
        )

    async def retry_later(self, row_id: int, token: str, at: datetime, error: str) -> bool:
        """Slack refused it, so it was not posted: try again from `at`."""
        return await self._update_claimed(
            row_id,
            token,
            state=OutboxState.PENDING,
            posting=False,
            not_before=at,
            lease_until=None,
            last_error=error,
        )

    async def check_later(self, row_id: int, token: str, at: datetime, error: str) -> bool:
        """It may have been posted: stay claimed until `at`, then look before posting again."""
        return await self._update_claimed(
            row_id, token, state=OutboxState.SENDING, lease_until=at, last_error=error
        )

    async def give_up(self, row_id: int, token: str, error: str) -> bool:
        """Refused every time: not posted, left for an operator to retry."""
        return await self._update_claimed(
            row_id, token, state=OutboxState.FAILED, lease_until=None, last_error=error
        )

    async def park(self, row_id: int, token: str, error: str) -> str | None:
        """Leave the row for an operator; returns its state then (None: the claim was lost).
        `unconfirmed` when posting it had begun, so that it may have been posted and waymark
        cannot find out: an operator looks in the channel, then retries it or marks it posted,
        as posting again blindly might post twice. `failed` when it never was."""
        state: str | None = await self.session.scalar(
            self._claimed(row_id, token)
            .values(
                state=case(
                    (OutboxMessage.posting, OutboxState.UNCONFIRMED.value),
                    else_=OutboxState.FAILED.value,
                ),
                lease_until=None,
                last_error=error,
            )
            .returning(OutboxMessage.state)
        )
        return state

    async def _update_claimed(self, row_id: int, token: str, **values: Any) -> bool:
        statement = self._claimed(row_id, token).values(**values).returning(OutboxMessage.id)
        return await self.session.scalar(statement) is not None

    @staticmethod
    def _claimed(row_id: int, token: str) -> Update:
        """An update of the row while this sender (`token`) still holds its claim."""
        return (
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
            .where(OutboxMessage.state == OutboxState.SENDING)
            .execution_options(synchronize_session=False)
        )

    async def requeue(self, row_id: int, now: datetime) -> OutboxMessage | None:
        """Put a failed or unconfirmed row back in the queue: an operator fixed the cause, or
        looked in the channel and did not find it. It is posted without looking again."""
        row = await self.session.get(OutboxMessage, row_id)
        if row is None or row.state not in (OutboxState.FAILED, OutboxState.UNCONFIRMED):
            return row
        row.state, row.not_before, row.claim_token = OutboxState.PENDING, now, None
        # A fresh start: its full share of tries, and no earlier attempt to look for.
        row.attempts, row.first_attempt_at, row.posting = 0, None, False
        await self.session.flush()
        return row

    async def release(self, row_ids: Sequence[int], token: str) -> None:
        """Give back rows this sender claimed and never tried: due again, as they were. A row
        an earlier sender may have posted keeps its claim until the lease runs out, and is
        looked for then."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(row_ids)), OutboxMessage.claim_token == token)
            .where(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.posting == false())
            .values(
                state=OutboxState.PENDING,
                attempts=OutboxMessage.attempts - 1,
                lease_until=None,
                claim_token=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def mark_posted(
        self, row_id: int, now: datetime, message_id: str | None = None
    ) -> OutboxMessage | None:
        """An operator found an unconfirmed row's message (`message_id`, when they gave it) in
        its channel: stop trying."""
        row = await self.session.get(OutboxMessage, row_id)
        if row is None or row.state != OutboxState.UNCONFIRMED:
            return row
        row.state, row.sent_at, row.claim_token = OutboxState.SENT, now, None
        row.message_id, row.last_error = message_id, None
        await self.session.flush()
        return row

    async def for_message(
        self, platform: str, channel_id: str, message_id: str
    ) -> Sequence[OutboxMessage]:
        """The rows that posted, or since changed, one message, oldest first."""
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.channel_id == channel_id,
                OutboxMessage.message_id == message_id,
            )
            .order_by(OutboxMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def newer_of_kind(self, row: OutboxMessage) -> bool:
        """Whether a later row of the same kind is about the same message."""
        query = select(OutboxMessage.id).where(
            OutboxMessage.kind == row.kind,
            OutboxMessage.platform == row.platform,
            OutboxMessage.channel_id == row.channel_id,
            OutboxMessage.message_id == row.message_id,
            OutboxMessage.id > row.id,
        )
        return await self.session.scalar(query.limit(1)) is not None

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, key: str) -> OutboxMessage | None:
        return await self.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))

    async def unsent(self) -> Sequence[OutboxMessage]:
        """Pending, sending, failed and unconfirmed rows, oldest first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.state != OutboxState.SENT)
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def recently_sent(self, limit: int) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.SENT)
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[OutboxMessage]:
        return (await self.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()

    async def count_by_state(self) -> dict[str, int]:
        """How many messages are in each state (every state named, none missing)."""
        query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        counted = {str(OutboxState(s)): int(n) for s, n in await self.session.execute(query)}
        return {state.value: counted.get(state.value, 0) for state in OutboxState}

    async def last_sent_by_kind(self) -> dict[str, datetime]:
        """When a message of each kind (reminder, digest, ...) was last posted."""
        query = (
            select(OutboxMessage.kind, func.max(OutboxMessage.sent_at))
            .where(OutboxMessage.state == OutboxState.SENT)
            .group_by(OutboxMessage.kind)
        )
        return {kind: at for kind, at in await self.session.execute(query) if at is not None}

    async def clear_payloads_sent_before(self, cutoff: datetime) -> int:
        """Empty the payload (the message's words, with the people it names) of messages
        posted before `cutoff`; the row stays, as the record that it was posted. Idempotent:
        an emptied payload is left alone."""
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.state == OutboxState.SENT,
                OutboxMessage.sent_at < cutoff,
                cast(OutboxMessage.payload, Text) != _EMPTY,
            )
            .values(payload={})
        )
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


_EMPTY = "{}"
