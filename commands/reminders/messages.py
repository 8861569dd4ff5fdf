"""The words of reminders: one message per group, and one per escalated group in the programme
channel, each listing its outcomes with how to reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from commands.domain.calendar import GROUP_LEVELS, Level, Timetable
from commands.presentation.formatting import day, with_unit
from commands.presentation.replies import Action, Button, Context, Header, Reply, Section
from commands.reminders.items import GroupRef, ReminderItem, ReminderMessage
from config.targets import Target

# Beyond this many outcomes, a message lists the rest in one line: Slack allows 50 blocks.
MAX_LISTED = 20


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
        if item.repeat:
            first += (
                " The programme team has been told; waymark reminds you again every "
                f"{timetable.repeat_days} working days until it arrives."
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
        key=f"reminder:{group.slug}:{first.number}:{first.period}:{first.rung[2]}",
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
        key=f"escalation:{group.slug}:{first.number}:{first.period}:{first.rung[2]}",
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
