"""The tables behind the guards on figures a council publishes: periods locked once published,
and the questions waymark asks before or after storing a reading and waits on an answer to.

They are imported by `storage.models`, which registers them with the schema. Columns holding
personal data say so, as there (`storage/personal_columns.py`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.column_types import state_column
from storage.personal_columns import MENTIONS, PERSON_ID


class ReadingState(StrEnum):
    """Whether a reading may be published: approved by someone other than its submitter."""

    PROVISIONAL = "provisional"
    APPROVED = "approved"


class QuestionKind(StrEnum):
    """What waymark asked, and so what the answer does."""

    CONFIRM = "confirm"  # keep a held figure (far from the one before, or replacing another's)?
    REASON = "reason"  # why revise a published figure? (administrators; the figure is held)
    COMMENTARY = "commentary"  # what is being done? (a reading at risk or off track, recorded)


class QuestionAnswer(StrEnum):
    """What became of a question."""

    RECORDED = "recorded"  # the held figure was kept
    DROPPED = "dropped"  # the person said no
    REPLACED = "replaced"  # the person gave another figure instead
    EXPIRED = "expired"  # nobody answered in time: the held figure was not recorded
    COMMENTED = "commented"  # the commentary was given


class PeriodLock(Base):
    """Every reading whose period ends on or before `through` is published: leads can no longer
    change it, and an administrator only with a reason. `outcomes`: the ids of the outcomes it
    locks, when a report for one area or group published only theirs (None: every outcome)."""

    __tablename__ = "period_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text, info=MENTIONS)
    locked_by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    locked_at: Mapped[datetime] = mapped_column()
    outcomes: Mapped[list[Any] | None] = mapped_column(nullable=True)

    def covers(self, period_end: date, outcome_id: int) -> bool:
        return lock_covers(self.through, self.outcomes, period_end, outcome_id)


def lock_covers(
    through: date, outcomes: list[Any] | None, period_end: date, outcome_id: int
) -> bool:
    """Whether a lock through `through` of `outcomes` (None: all) covers outcome `outcome_id`'s
    period ending on `period_end`."""
    return through >= period_end and (outcomes is None or outcome_id in outcomes)


class Question(Base):
    """A question waymark asked one person and waits on their answer to, in a thread (or, with
    no thread, in the answer to a command, where a button or the typed form answers it).

    For `confirm` and `reason` the figure is held here, not stored as a reading, until its
    submitter answers; it expires at `expires_at`, visibly, and is recorded at most once. For
    `commentary` the reading is already stored (`reading_id`)."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(state_column(QuestionKind))
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"), nullable=True)
    # The held figure, as submitted.
    period: Mapped[str | None] = mapped_column(String(20), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="", info=MENTIONS)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True, info=MENTIONS)
    via: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source_key: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    # The question as asked: it may name the person whose figure a held one would replace.
    asked: Mapped[str] = mapped_column(Text, info=MENTIONS)
    asked_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    answer: Mapped[str | None] = mapped_column(String(20), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (
        Index("ix_questions_asked", "platform", "channel_id", "thread_id", "user_id"),
        Index("ix_questions_expires_at", "expires_at"),
    )
