"""The `/outcome` listings: the whole road map, what is overdue, yours, a group's, a search."""

from __future__ import annotations

from commands.context import (
    Args,
    CommandContext,
    led_group_ids,
)
from commands.errors import UserError
from commands.outcomes.statuses import find_area, standings, standings_page, whole_roadmap
from commands.plans.queries import owned_actions_blocks
from commands.presentation.cards import outcome_list
from commands.presentation.replies import Reply, Section
from storage.repositories import (
    RoadmapRepository,
    StandingRow,
)


async def known_groups(ctx: CommandContext) -> str:
    slugs = [g.slug for g in await RoadmapRepository(ctx.session).groups()]
    return "The groups are: " + ", ".join(slugs) + "."


async def list_outcomes(ctx: CommandContext, args: Args) -> Reply:
    """/outcome list [AREA] — every outcome (or one priority area's) with its status"""
    area_text = " ".join(args.words)
    async with whole_roadmap():
        area = await find_area(ctx.session, area_text) if area_text else None
        shown, whole = await standings_page(
            ctx.session, ctx.today, args.page, area_id=area.id if area else None
        )
    title = area.name if area else "The road map"
    command = "/outcome list" + (f" {area.slug}" if area else "")
    return outcome_list(
        title, shown, page=args.page, next_command=command, shared=args.shared, whole=whole
    )


async def list_overdue(ctx: CommandContext, args: Args) -> Reply:
    """/outcome overdue — outcomes whose due reading has not arrived"""
    async with whole_roadmap():
        found = [s for s in await standings(ctx.session, ctx.today) if s.due and s.due.overdue]
    return outcome_list(
        "Overdue readings",
        found,
        page=args.page,
        next_command="/outcome overdue",
        empty="Nothing is overdue: every due reading is in.",
        shared=args.shared,
    )


async def list_mine(ctx: CommandContext, args: Args) -> Reply:
    """/outcome mine — the outcomes of the groups you lead, and the actions you own"""
    group_ids = await led_group_ids(ctx)
    actions = await owned_actions_blocks(ctx)
    if not group_ids:
        text = (
            "You do not lead a partnership group, so no outcomes are yours to report. "
            "`/outcome list` shows them all."
        )
        if actions:
            return Reply(text, (Section(text=text), *actions), shared=args.shared)
        text += " You own no actions in the delivery plans either."
        return Reply(text, (Section(text=text),), shared=args.shared)
    found = await standings(ctx.session, ctx.today, owner_ids=group_ids)
    listed = outcome_list(
        "Your outcomes", found, page=args.page, next_command="/outcome mine", shared=args.shared
    )
    if not actions:
        return listed
    return Reply(listed.fallback, (*listed.blocks, *actions), shared=listed.shared)


async def list_group(ctx: CommandContext, args: Args) -> Reply:
    """/outcome group SLUG — the outcomes one partnership group oversees"""
    roadmap = RoadmapRepository(ctx.session)
    group = await roadmap.group(args.words[0].lower()) if args.words else None
    if group is None:
        named = f"There is no group '{args.words[0]}'. " if args.words else "Name the group. "
        raise UserError(f"{named}{await known_groups(ctx)} For example: `/outcome group net-zero`.")
    found = await standings(ctx.session, ctx.today, owner_ids=[group.id])
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

    def matches(o: StandingRow) -> bool:
        about = f"{o.title} {o.measure} {o.area_name}".lower()
        return all(w in about for w in words)

    async with whole_roadmap():
        found = await standings(ctx.session, ctx.today, keep=matches)
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
