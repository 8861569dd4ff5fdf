"""The schema: typed SQLAlchemy 2.0 models. Tables are plural, models singular.

Columns are platform-neutral (`platform`, `channel_id`, `user_id`): nothing here knows Slack.
Nothing is ever deleted: a correction supersedes a reading, and every write leaves an audit row.
A column that holds personal data says so (`info=PERSON_ID`, `PERSON_NAME` or `MENTIONS`: see
`storage/personal_columns.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Re-exported: the base with every table on it (see `storage/__init__.py`).
from storage.base import Base as Base
from storage.column_types import state_column
from storage.personal_columns import MENTIONS, PERSON_ID, PERSON_NAME
from storage.publication_models import ReadingState


class OutboxState(StrEnum):
    """Where an outbox message is on its way to its channel (see `OutboxMessage`)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"


class ReminderState(StrEnum):
    """What became of one rung of an outcome's reminder ladder (see `Reminder`)."""

    POSTED = "posted"
    SUPERSEDED = "superseded"


class DigestState(StrEnum):
    """What became of one channel's weekly digest (see `DigestRun`)."""

    ON_TIME = "on_time"
    LATE = "late"
    SKIPPED = "skipped"


class Area(Base):
    """A priority area. `position` keeps the road map's order (first appearance in outcomes.csv)."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Group(Base):
    """A partnership group: it oversees outcomes, reports their readings and gets reminders."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20), default="slack")
    channel_id: Mapped[str] = mapped_column(String(200))
    # Who may approve its outcomes' readings, besides the administrators (user ids).
    approvers: Mapped[list[Any]] = mapped_column(JSON, default=list, info=MENTIONS)

    leads: Mapped[list[GroupLead]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="GroupLead.position",
    )

    @property
    def lead_ids(self) -> list[str]:
        return [lead.user_id for lead in self.leads]


class GroupLead(Base):
    __tablename__ = "group_leads"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True, info=PERSON_ID)
    position: Mapped[int] = mapped_column(Integer, default=0)

    group: Mapped[Group] = relationship(back_populates="leads")

    __table_args__ = (Index("ix_group_leads_user_id", "user_id"),)


class Outcome(Base):
    """One outcome of the road map with its single measure and its path to 2040."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    measure: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    polarity: Mapped[str] = mapped_column(String(20))
    cadence: Mapped[str] = mapped_column(String(20))
    lag_days: Mapped[int] = mapped_column(Integer)
    baseline_period: Mapped[str] = mapped_column(String(20))
    baseline_value: Mapped[float] = mapped_column(Float)
    # [[key, target], ...] in time order; a value object, always read whole with its outcome.
    milestones: Mapped[list[Any]] = mapped_column(JSON)
    tolerance: Mapped[str] = mapped_column(String(20), default="5%")
    source: Mapped[str] = mapped_column(Text, default="")
    # The OHID Fingertips indicator its comparators are imported from: `90366`, or `90366:Male`.
    fingertips_indicator: Mapped[str | None] = mapped_column(String(40), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    paused_by: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_ID)
    paused_at: Mapped[datetime | None] = mapped_column(nullable=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    snoozed_by: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_ID)
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    latest_period_start: Mapped[date | None] = mapped_column(Date, nullable=True)

    area: Mapped[Area] = relationship(lazy="joined", innerjoin=True)
    owner: Mapped[Group | None] = relationship(lazy="joined")


class Reading(Base):
    """One value of an outcome's measure for one period.

    A later reading for the same period supersedes the current one (`is_current` moves), and
    both stay. `source_key` is the natural key of the chat message or request that carried it,
    so that a retried delivery is recorded once.
    """

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    period: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    submitted_by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    submitted_at: Mapped[datetime] = mapped_column()
    via: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="", info=MENTIONS)
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Indexed: superseding or deleting a reading looks up the readings that point at it.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("readings.id"), nullable=True, index=True
    )
    # `ReadingState`: provisional until someone other than its submitter approves it.
    state: Mapped[str] = mapped_column(state_column(ReadingState), default=ReadingState.PROVISIONAL)
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_ID)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Kept although waymark questioned it (far from the figure before, or replacing another's).
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why an administrator revised a locked (published) period: set only on such revisions.
    revision_reason: Mapped[str | None] = mapped_column(Text, nullable=True, info=MENTIONS)
    # As given when recorded, under the targets then. `path_status` (and `outcomes.status`) are
    # kept against the targets as they stand: see commands/readings/standing.py.
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    expected: Mapped[float | None] = mapped_column(Float, nullable=True)
    path_status: Mapped[str | None] = mapped_column(String(20), nullable=True)

    __table_args__ = (
        # The latest and previous readings of an outcome: one range scan of this index.
        Index("ix_readings_latest", "outcome_id", "is_current", "period_start"),
        Index("ix_readings_submitted_at", "submitted_at"),
        # What awaits approval, oldest first: a few rows among many approved ones.
        Index("ix_readings_waiting", "state", "is_current", "submitted_at"),
    )


class AuditEntry(Base):
    """Who changed what, when, and the values before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200), info=MENTIONS)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, info=MENTIONS)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, info=MENTIONS)

    __table_args__ = (Index("ix_audit_log_subject", "subject"),)


class Post(Base):
    """A message waymark posted about specific outcomes (a reminder, a shared card, a digest):
    a human reply in its thread is a candidate reading for those outcomes."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    outcomes: Mapped[list[Any]] = mapped_column(JSON)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    posted_at: Mapped[datetime] = mapped_column()
    # About one action of a delivery plan instead: replies are its updates (no `outcomes`).
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id"), nullable=True)
    # Its thread, when it is a reply there: Teams changes such a message through the thread.
    thread_id: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        UniqueConstraint("platform", "channel_id", "message_id"),
        # Every reading stored looks for the recent cards to redraw (`delivery.refreshes`):
        # without it, a scan of every message ever posted.
        Index("ix_posts_kind_posted_at", "kind", "posted_at"),
    )


class EventReceipt(Base):
    """An inbound chat event already handled: retried deliveries are recognised by `event_id`."""

    __tablename__ = "event_receipts"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column()


class OutboxMessage(Base):
    """A message waymark means to post, written before it is sent so that it is posted once.

    `pending` → `sending` (claimed: `claim_token`, until `lease_until`) → `sent`, or back to
    `pending` with a later `not_before` after a refusal, or `failed` when retries ran out. A
    sender sets `posting` (and renews its lease) just before it posts, so a `sending` row whose
    lease ran out with `posting` set may have been posted: its next claim sets `look_first`, and
    the sender looks for the message carrying `key` before posting again. Where the
    platform gives no way to look, or looking kept failing, the row is `unconfirmed`: parked
    for an operator, who checks the channel, because posting again might post it twice.
    `payload` is the reply, frozen when planned.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, info=MENTIONS)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, info=MENTIONS)
    state: Mapped[str] = mapped_column(state_column(OutboxState), default=OutboxState.PENDING)
    not_before: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    posting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    look_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    claim_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True, info=MENTIONS)
    created_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_outbox_due", "state", "not_before"),)


class Reminder(Base):
    """One rung of an outcome's reminder ladder for one period: posted (through `outbox_id`)
    or passed over (`superseded`) because a higher level went out instead. Never both, never
    twice: the unique key is the guarantee, whichever replica got there first."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    period: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(state_column(ReminderState))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    planned_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("outcome_id", "period", "level"),)


class DigestRun(Base):
    """The weekly digest for one channel and one week (its local Monday): posted on time,
    posted late after downtime, or `skipped` when a newer week was due by the time waymark ran."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(200))
    week_start: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(state_column(DigestState))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    planned_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("channel_id", "week_start"),)


class ChatPerson(Base):
    """The people directory: a chat user's name, from people.csv (`from_roadmap`, kept over the
    platform's) or as their chat platform last gave it, so that people are shown by name."""

    __tablename__ = "chat_people"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True, info=PERSON_ID)
    name: Mapped[str] = mapped_column(String(200), info=PERSON_NAME)
    updated_at: Mapped[datetime] = mapped_column()
    organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")
    from_roadmap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TargetRevision(Base):
    """A change of an outcome's baseline, milestones or tolerance: who, when, why, before and
    after, so that each reading can be shown against the targets it was rated by."""

    __tablename__ = "target_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("outcome_id", "at"),)  # so a file is imported once
