"""Locked periods, and the questions waymark waits on an answer to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver_statements import DriverInsert, DriverStatement
from storage.publication_models import (
    PeriodLock,
    Question,
    QuestionAnswer,
    QuestionKind,
    lock_covers,
)
from storage.repositories.rows import storable

# Built once: every figure checked runs the first, every thread reply the third. Both
# nearly always find nothing, which the driver tells most cheaply (`storage.driver_statements`);
# what they find is then loaded.
_COVERING = DriverStatement(
    select(PeriodLock.id, PeriodLock.through, PeriodLock.outcomes).where(
        PeriodLock.through >= bindparam("period_end")
    )
)
_HELD_WHERE = (
    Question.user_id == bindparam("user_id"),
    Question.outcome_id == bindparam("outcome_id"),
    Question.answer.is_(None),
    Question.kind != QuestionKind.COMMENTARY,
)
_HELD = select(Question).where(*_HELD_WHERE).order_by(Question.id)
_HELD_IN_THREAD = DriverStatement(
    select(Question.id).where(
        *_HELD_WHERE,
        Question.platform == bindparam("platform"),
        Question.channel_id == bindparam("channel_id"),
        Question.thread_id == bindparam("thread_id"),
    )
)

# Every reading off track or at risk asks for commentary in its thread: through the driver.
_ASK = DriverInsert(Question)
# What a question not holding a figure, not yet answered, has in the columns it leaves out.
_NOT_HOLDING = {
    "period": None, "value": None, "note": "", "reason": None, "via": None, "source_key": None,
    "answer": None, "answered_at": None,
}  # fmt: skip


class LockRepository:
    """Periods locked on publication."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, lock: PeriodLock) -> None:
        self.session.add(lock)

    async def covering(self, period_end: date, outcome_id: int) -> PeriodLock | None:
        """The first lock that covers outcome `outcome_id`'s period ending on `period_end`, if
        any does. Locks are few (one a publication), so which outcomes a lock covers is
        checked here rather than in each dialect's JSON SQL."""
        candidates = await _COVERING.rows(self.session, {"period_end": period_end})
        ids = [
            lock_id
            for lock_id, through, outcomes in candidates
            if lock_covers(through, outcomes, period_end, outcome_id)
        ]
        if not ids:
            return None
        query = select(PeriodLock).where(PeriodLock.id.in_(ids))
        return await self.session.scalar(query.order_by(PeriodLock.locked_at, PeriodLock.id))

    async def everything(self) -> Sequence[PeriodLock]:
        query = select(PeriodLock).order_by(PeriodLock.locked_at, PeriodLock.id)
        return (await self.session.scalars(query)).all()


class QuestionRepository:
    """Questions asked and their answers. A question is open until answered or expired."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, question: Question) -> Question:
        self.session.add(question)
        await self.session.flush()
        return question

    async def ask(self, values: Mapping[str, Any]) -> Question:
        """Store a question that holds no figure (commentary asked for) in one statement; the
        question, with its id, outside the session."""
        return await _ASK.row(self.session, {**_NOT_HOLDING, **values})

    async def get(self, question_id: int) -> Question | None:
        if not storable(question_id):
            return None
        return await self.session.get(Question, question_id)

    async def from_source(self, source_key: str) -> Question | None:
        """The question holding the figure from the message with this key, if any."""
        query = select(Question).where(Question.source_key == source_key).limit(1)
        return await self.session.scalar(query)

    async def latest_unanswered(
        self, platform: str, channel_id: str, thread_id: str | None, user_id: str
    ) -> Question | None:
        """The person's newest unanswered question there, expired or not."""
        query = (
            select(Question)
            .where(
                Question.platform == platform,
                Question.channel_id == channel_id,
                Question.thread_id == thread_id,
                Question.user_id == user_id,
                Question.answer.is_(None),
            )
            .order_by(Question.asked_at.desc(), Question.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def unanswered_held(
        self, user_id: str, outcome_id: int, *, thread: tuple[str, str, str] | None = None
    ) -> Sequence[Question]:
        """The person's held figures for the outcome waiting for their word (in one thread)."""
        values = {"user_id": user_id, "outcome_id": outcome_id}
        if thread is None:
            return (await self.session.scalars(_HELD, values)).all()
        platform, channel_id, thread_id = thread
        where = {"platform": platform, "channel_id": channel_id, "thread_id": thread_id}
        ids = [
            question_id
            for (question_id,) in await _HELD_IN_THREAD.rows(self.session, values | where)
        ]
        if not ids:
            return []
        query = select(Question).where(Question.id.in_(ids)).order_by(Question.id)
        return (await self.session.scalars(query)).all()

    async def held(self) -> Sequence[Question]:
        """Held figures waiting for their submitter's word (expired or not), oldest first."""
        query = (
            select(Question)
            .where(Question.kind != QuestionKind.COMMENTARY, Question.answer.is_(None))
            .order_by(Question.asked_at, Question.id)
        )
        return (await self.session.scalars(query)).all()

    async def expired_between(self, start: datetime, end: datetime) -> Sequence[Question]:
        """Held figures whose time to be confirmed ran out in [start, end), unanswered."""
        query = (
            select(Question)
            .where(
                Question.kind != QuestionKind.COMMENTARY,
                Question.expires_at >= start,
                Question.expires_at < end,
                or_(Question.answer.is_(None), Question.answer == QuestionAnswer.EXPIRED),
            )
            .order_by(Question.expires_at, Question.id)
        )
        return (await self.session.scalars(query)).all()

    async def remove_expired_before(self, cutoff: datetime) -> int:
        """Forget questions whose time to be answered ran out before `cutoff`: answered or not,
        nothing waits on them, and the audit log keeps what was held and what became of it."""
        statement = delete(Question).where(Question.expires_at < cutoff)
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def settle(self, question_id: int, answer: str, at: datetime) -> bool:
        """Record the answer, unless the question was answered already (by another delivery of
        the same answer, on another replica): True only for the one that settled it."""
        statement = (
            update(Question)
            .where(Question.id == question_id, Question.answer.is_(None))
            .values(answer=answer, answered_at=at)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        settled = bool(result.rowcount)  # type: ignore[attr-defined]
        if settled:
            question = await self.session.get(Question, question_id)
            if question is not None:
                await self.session.refresh(question)
        return settled
