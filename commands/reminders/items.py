"""What a reminder is about: the group it goes to, each outcome's rung, and the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from commands.domain.calendar import REPEAT_BASE, Level
from commands.domain.status import ReadingView
from commands.presentation.replies import Reply
from storage.models import Group


@dataclass(frozen=True)
class GroupRef:
    """What a reminder needs to know about the group it goes to."""

    id: int
    slug: str
    name: str
    platform: str
    channel_id: str
    leads: tuple[str, ...]

    @classmethod
    def of(cls, group: Group) -> GroupRef:
        return cls(
            group.id,
            group.slug,
            group.name,
            group.platform,
            group.channel_id,
            tuple(group.lead_ids),
        )


@dataclass(frozen=True)
class ReminderItem:
    """One outcome's reading for one period, at one level of the ladder."""

    outcome_id: int
    number: int
    title: str
    measure: str
    unit: str
    period: str
    level: Level
    due_on: date
    latest: ReadingView | None
    group: GroupRef
    repeat: int = 0  # after the escalation: the nth reminder again (level is OVERDUE)

    @property
    def rung(self) -> tuple[int, str, int]:
        level = REPEAT_BASE + self.repeat if self.repeat else int(self.level)
        return (self.outcome_id, self.period, level)


@dataclass(frozen=True)
class ReminderPlan:
    """What is owed at a moment: rungs to post, lower rungs passed over, and outcomes left out."""

    items: tuple[ReminderItem, ...]
    superseded: tuple[tuple[int, str, int], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReminderMessage:
    key: str
    group: GroupRef
    platform: str
    channel_id: str
    reply: Reply
    summary: str
    items: tuple[ReminderItem, ...] = field(repr=False)
