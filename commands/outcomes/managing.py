"""Who owns an outcome and whether it is reminded about: assign, snooze, pause, resume."""

from __future__ import annotations

import re
from datetime import timedelta

from commands.context import (
    Args,
    CommandContext,
    outcome_named,
    require_admin,
    require_submitter,
)
from commands.errors import UserError
from commands.outcomes.listings import known_groups
from commands.presentation.formatting import day
from commands.presentation.replies import Reply, Section
from storage.repositories import (
    AuditRepository,
    RoadmapRepository,
)


async def assign_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N assign GROUP — give outcome N to a partnership group (admins)"""
    assert args.number is not None
    require_admin(ctx, "assign outcomes to groups")
    roadmap = RoadmapRepository(ctx.session)
    if not args.words:
        raise UserError(
            f"Name the group: `/outcome {args.number} assign GROUP`. {await known_groups(ctx)}"
        )
    group = await roadmap.group(args.words[0].lower())
    if group is None:
        raise UserError(f"There is no group '{args.words[0]}'. {await known_groups(ctx)}")
    outcome = await outcome_named(ctx, args)
    before = outcome.owner
    outcome.owner = group
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="outcome.assigned",
        subject=f"outcome:{outcome.number}",
        before={"owner": before.slug if before else None},
        after={"owner": group.slug},
    )
    text = f"Outcome {outcome.number} ({outcome.title}) now belongs to the {group.name}."
    if before is not None and before.slug != group.slug:
        text += f" It was with the {before.name}."
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))


async def snooze_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N snooze 14d — no reminders about outcome N for a while (leads and admins)"""
    assert args.number is not None
    outcome = await outcome_named(ctx, args)
    await require_submitter(ctx, outcome, "snooze reminders about")
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
    outcome = await outcome_named(ctx, args)
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
    outcome = await outcome_named(ctx, args)
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
