"""The `/outcome` sub-commands. Each handler's docstring's first line is its usage text: help is
generated from the registry, never written twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from commands.cards import history_reply, outcome_list, status_card
from commands.context import (
    CommandContext,
    led_group_ids,
    record_as_caller,
    require_admin,
    require_submitter,
)
from commands.errors import UserError
from commands.formatting import STATUS_WORDS, day, explanation
from commands.readings import Via, get_outcome, parse_value, reading_period
from commands.replies import Reply, Section
from commands.roadmap import find_area, outcome_status, row_statuses, whole_roadmap
from storage.models import Outcome
from storage.repositories import (
    AuditRepository,
    OutcomeRow,
    ReadingRepository,
    RoadmapRepository,
)


@dataclass(frozen=True)
class Args:
    """What followed the sub-command. `number` is the outcome for per-outcome commands."""

    number: int | None = None
    words: tuple[str, ...] = ()
    shared: bool = False
    page: int = 1
    raw: str = field(default="", compare=False)
    # Outcome `number`, when the registry has loaded it already (to check it exists).
    outcome: Outcome | None = field(default=None, compare=False)


async def _outcome(ctx: CommandContext, args: Args) -> Outcome:
    assert args.number is not None
    return args.outcome or await get_outcome(ctx.session, args.number)


async def show_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N — where outcome N stands: latest reading, expected value, status and why"""
    assert args.number is not None
    status = await outcome_status(ctx.session, args.number, ctx.today, outcome=args.outcome)
    return status_card(status, ctx.tz, shared=args.shared)


async def show_history(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N history — every reading against the path to 2040, with a chart"""
    assert args.number is not None
    outcome = await _outcome(ctx, args)
    readings = await ReadingRepository(ctx.session).history(outcome.id)
    return history_reply(outcome, readings, ctx.tz, shared=args.shared)


async def submit_reading(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N submit VALUE [PERIOD] [note…] — record a reading (leads and admins)"""
    assert args.number is not None
    if not args.words:
        raise UserError(
            f"Give the value: `/outcome {args.number} submit 23.4`, optionally followed by the "
            "period and a note, like `/outcome 12 submit 23.4 2025/26 provisional`."
        )
    outcome = await _outcome(ctx, args)
    await require_submitter(ctx, outcome)
    value = parse_value(args.words[0])
    period_text, note = split_period(args.words[1:])
    period = reading_period(outcome, period_text, ctx.now, ctx.tz)
    recorded = await record_as_caller(ctx, outcome, value, period, Via.SLASH, note=note)
    status = recorded.status
    text = f"{recorded.summary()} Status now: {STATUS_WORDS[status.status]}. {explanation(status)}"
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


def split_period(words: tuple[str, ...]) -> tuple[str | None, str]:
    """`2025/26 provisional, ONS` -> ("2025/26", "provisional, ONS"). A first word that looks
    like a period (it starts with a four-digit year) is the period; the rest is the note."""
    if words and re.match(r"^\d{4}(?:$|[-/])", words[0]):
        return words[0], " ".join(words[1:])
    return None, " ".join(words)


async def assign_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N assign GROUP — give outcome N to a partnership group (admins)"""
    assert args.number is not None
    require_admin(ctx, "assign outcomes to groups")
    roadmap = RoadmapRepository(ctx.session)
    if not args.words:
        raise UserError(
            f"Name the group: `/outcome {args.number} assign GROUP`. {await _groups(ctx)}"
        )
    group = await roadmap.group(args.words[0].lower())
    if group is None:
        raise UserError(f"There is no group '{args.words[0]}'. {await _groups(ctx)}")
    outcome = await _outcome(ctx, args)
    before = outcome.owner.slug if outcome.owner else None
    outcome.owner = group
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="outcome.assigned",
        subject=f"outcome:{outcome.number}",
        before={"owner": before},
        after={"owner": group.slug},
    )
    text = f"Outcome {outcome.number} ({outcome.title}) now belongs to the {group.name}."
    if before and before != group.slug:
        text += f" It was with {before}."
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


async def _groups(ctx: CommandContext) -> str:
    slugs = [g.slug for g in await RoadmapRepository(ctx.session).groups()]
    return "The groups are: " + ", ".join(slugs) + "."


async def snooze_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N snooze 14d — no reminders about outcome N for a while (leads and admins)"""
    assert args.number is not None
    outcome = await _outcome(ctx, args)
    await require_submitter(ctx, outcome)
    match = re.fullmatch(r"(\d{1,3})\s*([dw]?)", args.words[0].lower()) if args.words else None
    if match is None:
        raise UserError(
            f"Say for how long, in days or weeks: `/outcome {args.number} snooze 14d` or "
            f"`/outcome {args.number} snooze 2w` (at most 90 days)."
        )
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if not 1 <= days <= 90:
        raise UserError("Snooze for between 1 and 90 days, like `14d` or `2w`.")
    before = outcome.snoozed_until
    outcome.snoozed_until = ctx.today + timedelta(days=days)
    outcome.snoozed_by = ctx.caller.user_id
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="outcome.snoozed",
        subject=f"outcome:{outcome.number}",
        before={"snoozed_until": before.isoformat() if before else None},
        after={"snoozed_until": outcome.snoozed_until.isoformat()},
    )
    text = (
        f"Reminders about outcome {outcome.number} are snoozed until "
        f"{day(outcome.snoozed_until)}. Readings can still be submitted at any time."
    )
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


async def pause_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N pause "reason" — stop reminders while its data is not published (admins)"""
    assert args.number is not None
    require_admin(ctx, "pause an outcome's reminders")
    reason = " ".join(args.words).strip().strip("\"“”'")
    if not reason:
        raise UserError(
            f"Give the reason, so that others know why: "
            f'`/outcome {args.number} pause "ONS has stopped publishing this measure"`.'
        )
    outcome = await _outcome(ctx, args)
    before = outcome.paused_reason
    outcome.paused_reason, outcome.paused_by, outcome.paused_at = (
        reason,
        ctx.caller.user_id,
        ctx.now,
    )
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="outcome.paused",
        subject=f"outcome:{outcome.number}",
        before={"paused_reason": before},
        after={"paused_reason": reason},
    )
    text = (
        f"Reminders about outcome {outcome.number} are paused: {reason}. "
        f"Resume them with `/outcome {outcome.number} resume`."
    )
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


async def resume_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N resume — restart reminders for a paused outcome (admins)"""
    assert args.number is not None
    require_admin(ctx, "resume an outcome's reminders")
    outcome = await _outcome(ctx, args)
    if outcome.paused_reason is None and outcome.snoozed_until is None:
        raise UserError(f"Reminders about outcome {outcome.number} are not paused or snoozed.")
    before = {"paused_reason": outcome.paused_reason}
    outcome.paused_reason = outcome.paused_by = outcome.paused_at = None
    outcome.snoozed_until = outcome.snoozed_by = None
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="outcome.resumed",
        subject=f"outcome:{outcome.number}",
        before=before,
        after={"paused_reason": None},
    )
    text = f"Reminders about outcome {outcome.number} are back on."
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


async def list_outcomes(ctx: CommandContext, args: Args) -> Reply:
    """/outcome list [AREA] — every outcome (or one priority area's) with its status"""
    area_text = " ".join(args.words)
    async with whole_roadmap():
        area = await find_area(ctx.session, area_text) if area_text else None
        found = await row_statuses(ctx.session, ctx.today, area_id=area.id if area else None)
    title = area.name if area else "The road map"
    command = "/outcome list" + (f" {area.slug}" if area else "")
    return outcome_list(title, found, page=args.page, next_command=command, shared=args.shared)


async def list_overdue(ctx: CommandContext, args: Args) -> Reply:
    """/outcome overdue — outcomes whose due reading has not arrived"""
    async with whole_roadmap():
        found = [s for s in await row_statuses(ctx.session, ctx.today) if s.due and s.due.overdue]
    return outcome_list(
        "Overdue readings",
        found,
        page=args.page,
        next_command="/outcome overdue",
        empty="Nothing is overdue: every due reading is in.",
        shared=args.shared,
    )


async def list_mine(ctx: CommandContext, args: Args) -> Reply:
    """/outcome mine — the outcomes of the groups you lead"""
    group_ids = await led_group_ids(ctx)
    if not group_ids:
        text = (
            "You do not lead a partnership group, so no outcomes are yours to report. "
            "`/outcome list` shows them all."
        )
        return Reply(text, (Section(text=text),), shared=args.shared)
    found = await row_statuses(ctx.session, ctx.today, owner_ids=group_ids)
    return outcome_list(
        "Your outcomes", found, page=args.page, next_command="/outcome mine", shared=args.shared
    )


async def list_group(ctx: CommandContext, args: Args) -> Reply:
    """/outcome group SLUG — the outcomes one partnership group oversees"""
    roadmap = RoadmapRepository(ctx.session)
    group = await roadmap.group(args.words[0].lower()) if args.words else None
    if group is None:
        named = f"There is no group '{args.words[0]}'. " if args.words else "Name the group. "
        raise UserError(f"{named}{await _groups(ctx)} For example: `/outcome group net-zero`.")
    found = await row_statuses(ctx.session, ctx.today, owner_ids=[group.id])
    return outcome_list(
        group.name,
        found,
        page=args.page,
        next_command=f"/outcome group {group.slug}",
        empty=f"The {group.name} has no outcomes yet.",
        shared=args.shared,
    )


async def search_outcomes(ctx: CommandContext, args: Args) -> Reply:
    """/outcome search WORDS — find outcomes by their title or measure (or /outcome WORDS)"""
    words = [w.lower() for w in args.words if w]
    if not words:
        raise UserError("Say what to look for: `/outcome search poverty`.")

    def matches(o: OutcomeRow) -> bool:
        about = f"{o.title} {o.measure} {o.area.name}".lower()
        return all(w in about for w in words)

    async with whole_roadmap():
        found = await row_statuses(ctx.session, ctx.today, keep=matches)
    phrase = " ".join(args.words)
    return outcome_list(
        f"Outcomes about '{phrase}'",
        found,
        page=args.page,
        next_command=f"/outcome search {phrase}",
        empty=f"No outcome's title or measure mentions '{phrase}'. Try fewer or shorter words, "
        "or `/outcome list` to see them all.",
        shared=args.shared,
    )
