"""Reminders: each partnership group hears about its overdue readings, in one message per run,
climbing a ladder (the group, then its leads, then the programme channel) until a reading
arrives. Replies in a reminder's thread are read as readings.

Planning is a read of the road map plus one write: each rung, (outcome, period, level), is
recorded under a unique key before its message is queued in the outbox, so it is posted at most
once whichever replica plans it, and however often.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.calendar import GROUP_LEVELS, Level, Timetable, choose_reminders
from commands.domain.calendar import reminders_due as rungs_reached
from commands.domain.periods import Cadence, parse_period
from commands.formatting import day, with_unit
from commands.replies import Action, Button, Context, Header, Reply, Section
from commands.reply_codec import encode
from commands.status import ReadingView, first_reportable
from commands.targets import Target
from storage.models import Group, Outcome
from storage.repositories import (
    OutboxRepository,
    ReadingRepository,
    ReminderRepository,
    RoadmapRepository,
)

log = logging.getLogger(__name__)

KIND = "reminder"
# Beyond this many outcomes, a message lists the rest in one line: Slack allows 50 blocks.
MAX_LISTED = 20


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

    @property
    def rung(self) -> tuple[int, str, int]:
        return (self.outcome_id, self.period, int(self.level))


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


async def plan_reminders(
    session: AsyncSession, now: datetime, timetable: Timetable, *, escalations: bool = True
) -> ReminderPlan:
    """The rungs owed at `now` that were neither posted nor passed over before. Paused and
    snoozed outcomes owe nothing. Without `escalations` (no programme channel), the last rung
    is left unrecorded, to go out once there is somewhere to send it."""
    today = timetable.today(now)
    outcomes = await RoadmapRepository(session).outcomes()
    latest = await ReadingRepository(session).latest_for_all(o.id for o in outcomes)
    recorded = await ReminderRepository(session).recorded(o.id for o in outcomes)
    items: list[ReminderItem] = []
    superseded: list[tuple[int, str, int]] = []
    notes: list[str] = []
    for outcome in outcomes:
        readings = latest.get(outcome.id, [])
        reported = [parse_period(readings[0].period, Cadence(outcome.cadence))] if readings else []
        reached = rungs_reached(
            first_reportable(outcome), outcome.lag_days, reported, now, timetable
        )
        if not reached:
            continue
        if outcome.paused_reason is not None:
            notes.append(f"Outcome {outcome.number} is paused: no reminders.")
            continue
        if outcome.snoozed_until is not None and outcome.snoozed_until >= today:
            notes.append(f"Outcome {outcome.number} is snoozed until {day(outcome.snoozed_until)}.")
            continue
        if outcome.owner is None:
            notes.append(f"Outcome {outcome.number} has no group to remind.")
            continue
        done = {(period, Level(level)) for period, level in recorded.get(outcome.id, set())}
        choice = choose_reminders(reached, done)
        last = ReadingView.of(readings[0]) if readings else None
        for rung in choice.post:
            if rung.level is Level.ESCALATED and not escalations:
                notes.append(
                    f"Outcome {outcome.number} is due an escalation, but there is no "
                    "programme channel to send it to."
                )
                continue
            items.append(_item(outcome, rung.period.label, rung.level, rung.due_on, last))
        superseded += [(outcome.id, r.period.label, int(r.level)) for r in choice.supersede]
    return ReminderPlan(tuple(items), tuple(superseded), tuple(notes))


def _item(
    outcome: Outcome, period: str, level: Level, due_on: date, latest: ReadingView | None
) -> ReminderItem:
    assert outcome.owner is not None
    return ReminderItem(
        outcome_id=outcome.id,
        number=outcome.number,
        title=outcome.title,
        measure=outcome.measure,
        unit=outcome.unit,
        period=period,
        level=level,
        due_on=due_on,
        latest=latest,
        group=GroupRef.of(outcome.owner),
    )


async def queue_reminders(
    session: AsyncSession,
    now: datetime,
    timetable: Timetable,
    *,
    programme: Target | None,
) -> list[ReminderMessage]:
    """Plan, record each rung once, and queue one message per group (and one per escalated
    group in the programme channel, on that channel's platform). Returns the messages queued
    by this call: none when another replica, or an earlier run, already recorded every rung."""
    outbox = OutboxRepository(session)
    await outbox.lock_planning()
    plan = await plan_reminders(session, now, timetable, escalations=programme is not None)
    reminders = ReminderRepository(session)
    await reminders.add(plan.superseded, state="superseded", at=now)
    added = {
        (r.outcome_id, r.period, r.level): r.id
        for r in await reminders.add([i.rung for i in plan.items], state="posted", at=now)
    }
    mine = [i for i in plan.items if i.rung in added]
    messages = reminder_messages(mine, timetable.today(now), timetable, programme=programme)
    for message in messages:
        row = await outbox.add(
            key=message.key,
            kind=KIND,
            platform=message.platform,
            channel_id=message.channel_id,
            group_id=message.group.id,
            summary=message.summary,
            payload=encode(message.reply),
            not_before=now,
            created_at=now,
        )
        # The key names a rung this transaction recorded, so no other row can hold it.
        assert row is not None, f"outbox key {message.key} already taken"
        await reminders.attach((added[i.rung] for i in message.items), row.id)
    return messages


def reminder_messages(
    items: Sequence[ReminderItem],
    today: date,
    timetable: Timetable,
    *,
    programme: Target | None,
) -> list[ReminderMessage]:
    """One message per group for its reminders, and one per group in the programme channel
    for its escalations, in group order."""
    by_group: dict[str, list[ReminderItem]] = {}
    for item in sorted(items, key=lambda i: (i.group.slug, i.number)):
        by_group.setdefault(item.group.slug, []).append(item)
    messages: list[ReminderMessage] = []
    for group_items in by_group.values():
        group = group_items[0].group
        reminders = [i for i in group_items if i.level is not Level.ESCALATED]
        escalated = [i for i in group_items if i.level is Level.ESCALATED]
        if reminders:
            messages.append(_group_message(group, reminders, today, timetable))
        if escalated and programme is not None:
            messages.append(_escalation_message(group, escalated, today, timetable, programme))
    return messages


def instructions(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return (
            "Reply in this thread with the number, e.g. `23.4`, optionally followed by the "
            "period and a note. Or press Submit reading."
        )
    return (
        f"Reply in this thread with the outcome and the number, e.g. `{numbers[0]}: 23.4`, "
        "optionally followed by the period and a note. Or press Submit reading."
    )


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _item_section(item: ReminderItem, today: date, timetable: Timetable) -> Section:
    if item.level is Level.HEADS_UP:
        when = "today" if item.due_on == today else f"in {_days((item.due_on - today).days)}"
        first = f"{item.measure}: the {item.period} reading is due {day(item.due_on)} ({when})."
    else:
        late = _days((today - item.due_on).days)
        first = (
            f"{item.measure}: the {item.period} reading was due {day(item.due_on)}, {late} overdue."
        )
    if item.latest is None:
        second = "Last reading: none yet."
    else:
        value = with_unit(item.latest.value, item.unit)
        second = (
            f"Last reading: {item.latest.period}, {value} "
            f"(received {day(timetable.local(item.latest.submitted_at).date())})."
        )
    return Section(
        title=f"Outcome {item.number}: {item.title}",
        text=f"{first}\n{second}",
        button=Button("Submit reading", Action.SUBMIT_READING, str(item.number)),
    )


def _listed(
    items: Sequence[ReminderItem], today: date, timetable: Timetable
) -> list[Section | Context]:
    blocks: list[Section | Context] = [
        _item_section(i, today, timetable) for i in items[:MAX_LISTED]
    ]
    rest = items[MAX_LISTED:]
    if rest:
        names = ", ".join(f"{i.number} ({i.period})" for i in rest)
        blocks.append(
            Context(
                (
                    f"…and {len(rest)} more: outcomes {names}. Reply here for any of them, or "
                    "see them all with `/outcome list`.",
                )
            )
        )
    return blocks


def _group_message(
    group: GroupRef, items: Sequence[ReminderItem], today: date, timetable: Timetable
) -> ReminderMessage:
    overdue = [i for i in items if i.level in GROUP_LEVELS]
    soon = [i for i in items if i.level is Level.HEADS_UP]
    numbers = [i.number for i in items]
    blocks: list[Header | Section | Context] = []
    if overdue:
        blocks.append(Header(f"Overdue readings: {group.name}"))
        late = [i for i in overdue if i.level is Level.OVERDUE]
        blocks.append(
            Section(
                text=_overdue_intro(len(overdue), len(late), timetable.escalation_days[1]),
                mentions=group.leads if late else (),
            )
        )
        blocks += _listed(overdue, today, timetable)
    if soon:
        if not overdue:
            blocks.append(Header(f"Readings due soon: {group.name}"))
        blocks.append(
            Section(
                text=(
                    f"{_count(len(soon), 'reading is', 'readings are')} due in the next "
                    f"{_days(timetable.heads_up_days)}."
                )
            )
        )
        blocks += _listed(soon, today, timetable)
    blocks.append(Context((instructions(numbers),)))
    first = items[0]
    what = _outcomes(items)
    if overdue:
        fallback = f"{group.name}: {_count(len(overdue), 'reading', 'readings')} overdue"
    else:
        fallback = f"{group.name}: {_count(len(soon), 'reading', 'readings')} due soon"
    fallback += f", {what}. Reply in the thread with the figures."
    return ReminderMessage(
        key=f"reminder:{group.slug}:{first.number}:{first.period}:{int(first.level)}",
        group=group,
        platform=group.platform,
        channel_id=group.channel_id,
        reply=Reply(fallback, tuple(blocks), shared=True, about=tuple(numbers)),
        summary=f"reminder to {group.name}: {what}",
        items=tuple(items),
    )


def _escalation_message(
    group: GroupRef,
    items: Sequence[ReminderItem],
    today: date,
    timetable: Timetable,
    programme: Target,
) -> ReminderMessage:
    """Posted where the programme team is, whatever platform the group itself is on."""
    days = _days(timetable.escalation_days[2])
    numbers = [i.number for i in items]
    count = _count(len(items), "reading", "readings")
    blocks: list[Header | Section | Context] = [
        Header(f"Escalation: {group.name}"),
        Section(
            text=(
                f"{group.name} has {count} overdue by {days} or more. The group and its leads "
                "have been reminded in their channel; the programme team may want to follow up."
            )
        ),
        *_listed(items, today, timetable),
        Context((instructions(numbers),)),
    ]
    first = items[0]
    what = _outcomes(items)
    return ReminderMessage(
        key=f"escalation:{group.slug}:{first.number}:{first.period}:{int(first.level)}",
        group=group,
        platform=programme.platform,
        channel_id=programme.channel,
        reply=Reply(
            f"Escalation: {group.name} has {count} overdue by {days} or more: {what}.",
            tuple(blocks),
            shared=True,
            about=tuple(numbers),
        ),
        summary=f"escalation for {group.name}: {what}",
        items=tuple(items),
    )


def _overdue_intro(overdue: int, late: int, days: int) -> str:
    """The opening words of a reminder; `late` readings are at the second rung (leads named)."""
    if late == 0:
        if overdue == 1:
            return "This reading is overdue. Please send it in."
        return f"These {overdue} readings are overdue. Please send them in."
    since = f"for {_days(days)} or more"
    if overdue == 1:
        head, them = f"This reading has been overdue {since}.", "it"
    elif late == overdue:
        head, them = f"These {overdue} readings have been overdue {since}.", "them"
    else:
        head, them = f"These {overdue} readings are overdue, {late} of them {since}.", "them"
    return (
        f"{head} Group leads, please chase {them}, or tell the programme team what is "
        f"holding {them} up."
    )


def _outcomes(items: Sequence[ReminderItem]) -> str:
    """`outcome 13 (2025-Q4)`, or `outcomes 12 (2025/26), 13 (2025-Q4)`."""
    listed = ", ".join(f"{i.number} ({i.period})" for i in items)
    return f"outcome {listed}" if len(items) == 1 else f"outcomes {listed}"


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"
