"""The schema of delivery plans: the actions partnership groups take towards their outcomes,
their dated updates, and the rungs of their reminder ladder. Re-exported by `storage.models`.

Nothing here is deleted: an update is added, never changed, and the action's `state` is the
state its latest update gave (or the one it was created or imported with).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.column_types import state_column
from storage.models import Base, Outcome, ReminderState
from storage.personal_columns import PERSON_ID


class ActionState(StrEnum):
    """Where an action stands, as its owner last said."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DELAYED = "delayed"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class ActionKind(StrEnum):
    """An action a partnership group takes, or a pledge its lead organisation made."""

    ACTION = "action"
    PLEDGE = "pledge"


class PlanAction(Base):
    """One action in an outcome's delivery plan, numbered within its home outcome (`12.3`).
    It may serve other outcomes too (`ActionOutcome`); it is listed under each."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(state_column(ActionKind, "kind"), default=ActionKind.ACTION)
    lead_org: Mapped[str] = mapped_column(String(200), default="")
    # A chat user: the platform they are on and their id there.
    owner_platform: Mapped[str | None] = mapped_column(String(20), nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_ID)
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(state_column(ActionState), default=ActionState.NOT_STARTED)
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)

    outcome: Mapped[Outcome] = relationship(lazy="joined", innerjoin=True)
    also: Mapped[list[ActionOutcome]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionOutcome.position"
    )

    __table_args__ = (
        UniqueConstraint("outcome_id", "number"),
        Index("ix_plan_actions_owner", "owner_platform", "owner_id"),
    )


class ActionOutcome(Base):
    """Another outcome an action serves, besides its home outcome."""

    __tablename__ = "action_outcomes"

    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"), primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    outcome: Mapped[Outcome] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_action_outcomes_outcome_id", "outcome_id"),)


class ActionUpdate(Base):
    """What an action's owner (or a lead) said about it: who, when, its state then, one line.
    `source_key` is the chat message that carried it, so that a repeated delivery is one update."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"))
    at: Mapped[datetime] = mapped_column()
    by_platform: Mapped[str] = mapped_column(String(20))
    by_user: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    state: Mapped[str] = mapped_column(state_column(ActionState))
    text: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)

    __table_args__ = (Index("ix_action_updates_latest", "action_id", "at"),)


class ActionReminder(Base):
    """One rung of an action's reminder ladder for one round: `since` is the day the action
    first needed an update (it went quiet, or passed its due date). An update starts a new
    round, so the rungs of the old one are never posted. Unique, whichever replica plans it."""

    __tablename__ = "action_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"))
    since: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(state_column(ReminderState))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    planned_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("action_id", "since", "level"),)
