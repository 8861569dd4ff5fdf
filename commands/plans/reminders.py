"""Owners asked for an update: an action with no update for `Timetable.action_stale_days`, or
past its due date without one since, climbs the same ladder as an overdue reading, on the same
working days and hours, through the same outbox (`commands.domain.plans` says when).

Each message is about one action, posted in its outcome's group channel naming its owner (and,
a rung up, the group's leads), or in the programme channel at the last rung; replies in its
thread are updates to that action. Each rung, (action, round, level), is recorded under a
unique key before its message is queued, so it is posted at most once; an update starts a new
round, so an action updated since is not asked again until it goes quiet again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.reply_codec import encode
from commands.domain.calendar import Level, Timetable, may_remind
from commands.domain.plans import UpdateOwed, choose_rungs, rungs_reached, update_owed
from commands.plans.cards import HOW_TO_UPDATE, action_section, update_button
from commands.presentation.formatting import day
from commands.presentation.replies import Block, Context, Header, Reply, Section
from commands.reminders.items import GroupRef
from config.targets import Target
from storage.repositories import ActionRow, OutboxRepository, PlanRepository

KIND = "action_reminder"


@dataclass(frozen=True)
class ActionReminderItem:
    """One action's rung of the ladder, in one round."""

    row: ActionRow
    owed: UpdateOwed
    level: Level
    group: GroupRef
    last_activity: date

    @property
    def rung(self) -> tuple[int, date, int]:
        return (self.row.id, self.owed.since, int(self.level))


@dataclass(frozen=True)
class ActionReminderPlan:
    items: tuple[ActionReminderItem, ...] = ()
    superseded: tuple[tuple[int, date, int], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionReminderMessage:
    key: str
    item: ActionReminderItem
    platform: str
    channel_id: str
    reply: Reply
    summary: str


def last_activity(row: ActionRow, timetable: Timetable) -> date:
    """The day an action was last heard of: its latest update, or else its start (an action
    started months ago and never updated has gone quiet), or else the day it was added."""
    if row.latest_at is not None:
        return timetable.local(row.latest_at).date()
    return row.start or timetable.local(row.created_at).date()


async def plan_action_reminders(
    session: AsyncSession, now: datetime, timetable: Timetable, *, escalations: bool = True
) -> ActionReminderPlan:
    """The rungs owed at `now` and not recorded before. Off working hours, nothing (and no
    query); without `escalations` (no programme channel) the last rung waits."""
    if not may_remind(now, timetable):
        return ActionReminderPlan()
    plans = PlanRepository(session)
    owing: list[tuple[ActionRow, UpdateOwed, tuple[Level, ...], date]] = []
    for row in await plans.rows(open_only=True):
        last = last_activity(row, timetable)
        owed = update_owed(row.state, last, row.due, timetable.action_stale_days)
        reached = rungs_reached(owed, now, timetable) if owed else ()
        if owed and reached:
            owing.append((row, owed, reached, last))
    if not owing:
        return ActionReminderPlan()
    recorded = await plans.recorded_rungs(row.id for row, *_ in owing)
    groups = await plans.groups(row.group_id for row, *_ in owing if row.group_id is not None)
    items: list[ActionReminderItem] = []
    superseded: list[tuple[int, date, int]] = []
    notes: list[str] = []
    for row, owed, reached, last in owing:
        group = groups.get(row.group_id) if row.group_id is not None else None
        if group is None:
            notes.append(f"Action {row.ref}'s outcome has no group to remind.")
            continue
        done = {Level(level) for since, level in recorded.get(row.id, set()) if since == owed.since}
        choice = choose_rungs(reached, done)
        for level in choice.post:
            if level is Level.ESCALATED and not escalations:
                notes.append(
                    f"Action {row.ref} is due an escalation, but there is no programme channel "
                    "to send it to."
                )
                continue
            items.append(ActionReminderItem(row, owed, level, GroupRef.of(group), last))
        superseded += [(row.id, owed.since, int(level)) for level in choice.supersede]
    return ActionReminderPlan(tuple(items), tuple(superseded), tuple(notes))


def action_reminder_messages(
    items: tuple[ActionReminderItem, ...],
    now: datetime,
    timetable: Timetable,
    *,
    programme: Target | None,
) -> list[ActionReminderMessage]:
    """One message per rung, each about one action so that its thread takes its updates."""
    messages = []
    for item in sorted(items, key=lambda i: (i.group.slug, i.row.outcome_number, i.row.number)):
        if item.level is Level.ESCALATED:
            if programme is not None:
                messages.append(_escalation(item, now, timetable, programme))
        else:
            messages.append(_reminder(item, now, timetable))
    return messages


def _why(item: ActionReminderItem, timetable: Timetable) -> str:
    row = item.row
    if item.owed.overdue and row.due is not None:
        return f"Action {row.ref}, {row.title}, was due {day(row.due)} and is not marked complete."
    quiet = (item.owed.since - item.last_activity).days
    since = day(item.last_activity)
    weeks = f"{quiet // 7} weeks" if quiet % 7 == 0 else f"{quiet} days"
    if row.latest_at is None:
        return f"Action {row.ref}, {row.title}, has had no update since it began on {since}."
    return f"Action {row.ref}, {row.title}, has had no update for {weeks} (since {since})."


def _blocks(
    item: ActionReminderItem,
    head: str,
    text: str,
    mentions: tuple[str, ...],
    now: datetime,
    timetable: Timetable,
) -> tuple[Block, ...]:
    """The ask, then the action as its plan lists it, with its Give an update button."""
    listed = action_section(item.row, timetable.tz, timetable.today(now))
    return (
        Header(head),
        Section(text=text, mentions=mentions),
        replace(listed, button=update_button(item.row.id)),
        Context((HOW_TO_UPDATE,)),
    )


def _reminder(
    item: ActionReminderItem, now: datetime, timetable: Timetable
) -> ActionReminderMessage:
    row, group = item.row, item.group
    owner: tuple[str, ...] = (row.owner_id,) if row.owner_id else ()
    ask = "Please reply in this thread with where it stands."
    mentions = owner
    if item.level is Level.OVERDUE:
        days = timetable.escalation_days[1]
        ask = f"It has waited {days} more days. Group leads, please follow it up."
        mentions = tuple(dict.fromkeys(owner + group.leads))
    elif not owner:
        ask = "It has no owner: group leads, please give an update, and name one."
        mentions = group.leads
    why = _why(item, timetable)
    reply = Reply(
        f"{why} {ask}",
        _blocks(item, f"Update needed: action {row.ref}", f"{why} {ask}", mentions, now, timetable),
        shared=True,
        action_id=row.id,
    )
    return ActionReminderMessage(
        key=f"action-reminder:{row.id}:{item.owed.since.isoformat()}:{int(item.level)}",
        item=item,
        platform=group.platform,
        channel_id=group.channel_id,
        reply=reply,
        summary=f"update reminder for action {row.ref} to {group.name}",
    )


def _escalation(
    item: ActionReminderItem, now: datetime, timetable: Timetable, programme: Target
) -> ActionReminderMessage:
    row, group = item.row, item.group
    days = timetable.escalation_days[2]
    text = (
        f"{_why(item, timetable)} The {group.name} and the owner were asked in their channel "
        f"{days} days ago or more; the programme team may want to follow up."
    )
    reply = Reply(
        text,
        _blocks(item, f"Escalation: action {row.ref}", text, (), now, timetable),
        shared=True,
        action_id=row.id,
    )
    return ActionReminderMessage(
        key=f"action-escalation:{row.id}:{item.owed.since.isoformat()}:{int(item.level)}",
        item=item,
        platform=programme.platform,
        channel_id=programme.channel,
        reply=reply,
        summary=f"escalation of action {row.ref} for {group.name}",
    )


async def queue_action_reminders(
    session: AsyncSession, now: datetime, timetable: Timetable, *, programme: Target | None
) -> list[ActionReminderMessage]:
    """Plan, record each rung once, and queue a message for each rung this call recorded."""
    outbox = OutboxRepository(session)
    await outbox.lock_planning()
    plan = await plan_action_reminders(session, now, timetable, escalations=programme is not None)
    plans = PlanRepository(session)
    await plans.add_rungs(plan.superseded, state="superseded", at=now)
    added = await plans.add_rungs([i.rung for i in plan.items], state="posted", at=now)
    mine = tuple(i for i in plan.items if i.rung in added)
    messages = action_reminder_messages(mine, now, timetable, programme=programme)
    for message in messages:
        row = await outbox.add(
            key=message.key,
            kind=KIND,
            platform=message.platform,
            channel_id=message.channel_id,
            group_id=message.item.group.id,
            summary=message.summary,
            payload=encode(message.reply),
            not_before=now,
            created_at=now,
        )
        # The key names a rung this transaction recorded, so no other row can hold it.
        assert row is not None, f"outbox key {message.key} already taken"
        await plans.attach([added[message.item.rung]], row.id)
    return messages
