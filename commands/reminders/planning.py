"""Reminders: each partnership group hears about its overdue readings, in one message per run,
climbing a ladder (the group, then its leads, then the programme channel), and after that
reminded again every WAYMARK_REPEAT_DAYS working days, until a reading arrives. Replies in a
reminder's thread are read as readings.

Planning is a read of the road map plus one write: each rung, (outcome, period, level), is
recorded under a unique key before its message is queued in the outbox, so it is posted at most
once whichever replica plans it, and however often.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.reply_codec import encode
from commands.domain.calendar import (
    GROUP_LEVELS,
    REPEAT_BASE,
    Heard,
    Level,
    Timetable,
    choose_reminders,
)
from commands.domain.calendar import reminders_due as rungs_reached
from commands.domain.periods import Cadence, Period
from commands.domain.status import ReadingView, first_reportable
from commands.presentation.formatting import day
from commands.reminders.items import GroupRef, ReminderItem, ReminderMessage, ReminderPlan
from commands.reminders.messages import reminder_messages
from config.targets import Target
from storage.models import Outcome, Reading
from storage.repositories import (
    OutboxRepository,
    ReadingRepository,
    ReminderRepository,
    RoadmapRepository,
)

log = logging.getLogger(__name__)


KIND = "reminder"


async def plan_reminders(
    session: AsyncSession, now: datetime, timetable: Timetable, *, escalations: bool = True
) -> ReminderPlan:
    """The rungs owed at `now` that were neither posted nor passed over before. Paused and
    snoozed outcomes owe nothing. Without `escalations` (no programme channel), the last rung
    is left unrecorded, to go out once there is somewhere to send it."""
    today = timetable.today(now)
    outcomes = await RoadmapRepository(session).outcomes()
    reminders = ReminderRepository(session)
    recorded = await reminders.recorded(o.id for o in outcomes)
    heard = await reminders.group_last_heard(
        (o.id for o in outcomes), GROUP_LEVELS, repeat_base=REPEAT_BASE
    )
    # (outcome, period, level, due on, repeat): items once their latest readings are known.
    owed: list[tuple[Outcome, str, Level, date, int]] = []
    superseded: list[tuple[int, str, int]] = []
    notes: list[str] = []
    for outcome in outcomes:
        # The latest period reported, as kept with the outcome: no reading is read for it.
        newest = outcome.latest_period_start
        reported = [Period(newest, Cadence(outcome.cadence))] if newest is not None else []
        told = {p: Heard(at, n) for (o, p), (at, n) in heard.items() if o == outcome.id}
        reached = rungs_reached(
            first_reportable(outcome), outcome.lag_days, reported, now, timetable, told
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
        done = set(recorded.get(outcome.id, set()))
        choice = choose_reminders(reached, done)
        for rung in choice.post:
            if rung.repeat:
                # Repeats go to the group itself, leads named, with or without a programme.
                owed.append((outcome, rung.period.label, Level.OVERDUE, rung.due_on, rung.repeat))
                continue
            if rung.level is Level.ESCALATED and not escalations:
                notes.append(
                    f"Outcome {outcome.number} is due an escalation, but there is no "
                    "programme channel to send it to."
                )
                continue
            owed.append((outcome, rung.period.label, rung.level, rung.due_on, 0))
        superseded += [(outcome.id, r.period.label, int(r.level)) for r in choice.supersede]
    # The latest reading each reminder quotes, of the outcomes owed one only.
    latest = await ReadingRepository(session).latest_for_all({o.id for o, *_ in owed})
    items = [
        _item(outcome, period, level, due_on, _latest(latest.get(outcome.id)), repeat)
        for outcome, period, level, due_on, repeat in owed
    ]
    return ReminderPlan(tuple(items), tuple(superseded), tuple(notes))


def _latest(readings: list[Reading] | None) -> ReadingView | None:
    return ReadingView.of(readings[0]) if readings else None


def _item(
    outcome: Outcome,
    period: str,
    level: Level,
    due_on: date,
    latest: ReadingView | None,
    repeat: int = 0,
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
        repeat=repeat,
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
