"""Approval and commentary: `/outcome N approve [PERIOD]`, `/outcome pending`,
`/outcome N comment [PERIOD] TEXT`, the Approve button, and the same for the command line.

A reading is provisional until an approver approves it: an administrator, or one of the owning
group's approvers (`groups.csv`), never the person who submitted it. A reading at risk or off
track needs its commentary first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import Args, CommandContext, may_submit, outcome_named, who_can_submit
from commands.delivery.refreshes import queue_refreshes
from commands.domain.periods import Cadence, PeriodError, parse_period
from commands.domain.status import NEEDS_COMMENTARY
from commands.errors import UserError
from commands.presentation.cards import PAGE_SIZE
from commands.presentation.formatting import counted, day, moment, with_unit
from commands.presentation.replies import Context, Header, Reply, Section, Table, mention
from commands.readings.questions import set_commentary
from storage.models import Outcome, Reading
from storage.publication_models import ReadingState
from storage.repositories import (
    AuditRepository,
    QuestionRepository,
    ReadingRepository,
    RoadmapRepository,
)


def approvers_of(outcome: Outcome, admins: Iterable[str]) -> list[str]:
    """Who may approve the outcome's readings: the administrators and its group's approvers."""
    group = list(outcome.owner.approvers) if outcome.owner else []
    return sorted(set(admins)) + [a for a in group if a not in set(admins)]


async def find_reading(
    session: AsyncSession, outcome: Outcome, period_text: str | None, *, provisional: bool
) -> Reading:
    """The period's current reading; without a period, the newest one (still provisional, when
    `provisional`)."""
    readings = ReadingRepository(session)
    if period_text:
        try:
            period = parse_period(period_text, Cadence(outcome.cadence))
        except PeriodError as error:
            raise UserError(str(error)) from None
        found = await readings.current(outcome.id, period.start)
        if found is None:
            raise UserError(f"Outcome {outcome.number} has no reading for {period.label}.")
        return found
    if provisional:
        found = await readings.latest_provisional(outcome.id)
        if found is None:
            raise UserError(
                f"Outcome {outcome.number} has no reading waiting for approval. "
                "`/outcome pending` lists those that are."
            )
        return found
    latest = await readings.latest(outcome.id, 1)
    if not latest:
        raise UserError(f"Outcome {outcome.number} has no readings yet.")
    return latest[0]


async def approve(
    session: AsyncSession,
    outcome: Outcome,
    reading: Reading,
    *,
    by: str,
    admins: Iterable[str],
    now: datetime,
    tz: tzinfo,
) -> str:
    """Approve a provisional reading, or say why it cannot be; what to say when it is."""
    figure = with_unit(reading.value, outcome.unit)
    what = f"outcome {outcome.number}'s {reading.period} reading ({figure})"
    the = f"Outcome {outcome.number}'s {reading.period} reading ({figure})"
    if not reading.is_current:
        raise UserError(
            f"That figure for {reading.period} was corrected since: approve the current one "
            f"with `/outcome {outcome.number} approve {reading.period}`."
        )
    if reading.state == ReadingState.APPROVED:
        by_whom = f" by {mention(reading.approved_by)}" if reading.approved_by else ""
        when = (
            f" on {day(reading.approved_at.astimezone(tz).date())}" if reading.approved_at else ""
        )
        raise UserError(f"{the} is already approved{by_whom}{when}.")
    allowed = approvers_of(outcome, admins)
    if by == reading.submitted_by:
        others = tuple(a for a in allowed if a != by)
        raise UserError(
            f"You submitted {what}, so someone else must approve it. Ask one of them:",
            mentions=others,
        )
    if by not in allowed:
        raise UserError(
            f"Only an administrator or one of the group's approvers can approve {what}. "
            "Ask one of them:",
            mentions=tuple(allowed),
        )
    if reading.status in NEEDS_COMMENTARY and not reading.note.strip():
        raise UserError(
            f"{the} is {reading.status.replace('_', ' ')} and has no "
            f"commentary yet, so it cannot be approved. Ask {mention(reading.submitted_by)} to "
            f"add a line on what is being done: `/outcome {outcome.number} comment "
            f"{reading.period} TEXT`."
        )
    reading.state, reading.approved_by, reading.approved_at = ReadingState.APPROVED, by, now
    AuditRepository(session).record(
        at=now,
        actor=by,
        action="reading.approved",
        subject=f"outcome:{outcome.number}:{reading.period}",
        before={"state": ReadingState.PROVISIONAL.value},
        after={"state": ReadingState.APPROVED.value, "value": reading.value},
    )
    await queue_refreshes(session, outcome, reading, now=now, tz=tz)
    return (
        f"Approved {what} (submitted by {mention(reading.submitted_by)}): it can be published. "
        f"Approved by {mention(by)}."
    )


async def approve_reading(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N approve [PERIOD] — approve a provisional reading (admins and approvers)"""
    outcome = await outcome_named(ctx, args)
    period = args.words[0] if args.words else None
    reading = await find_reading(ctx.session, outcome, period, provisional=True)
    words = await approve(
        ctx.session, outcome, reading, by=ctx.caller.user_id, admins=ctx.admins, now=ctx.now,
        tz=ctx.tz,
    )  # fmt: skip
    return Reply(words, (Section(text=words),), shared=args.shared, about=(outcome.number,))


async def approve_by_button(ctx: CommandContext, reading_id: int) -> Reply:
    """The Approve button on a confirmation."""
    reading = await ReadingRepository(ctx.session).get(reading_id)
    if reading is None:
        raise UserError("That reading is no longer there.")
    outcome = await ctx.session.get(Outcome, reading.outcome_id)
    assert outcome is not None
    words = await approve(
        ctx.session, outcome, reading, by=ctx.caller.user_id, admins=ctx.admins, now=ctx.now,
        tz=ctx.tz,
    )  # fmt: skip
    return Reply(words, (Section(text=words),), shared=True, about=(outcome.number,))


async def comment_reading(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N comment [PERIOD] TEXT — commentary on a reading (leads and admins)"""
    outcome = await outcome_named(ctx, args)
    if not await may_submit(ctx, outcome):
        raise who_can_submit(outcome)
    words = list(args.words)
    period = words.pop(0) if words and _looks_like_period(words[0]) else None
    text = " ".join(words).strip().strip("\"“”'")
    if not text:
        raise UserError(
            f"Give the commentary: `/outcome {outcome.number} comment Extra outreach from "
            f"January`, or for one period, `/outcome {outcome.number} comment 2025/26 TEXT`."
        )
    reading = await find_reading(ctx.session, outcome, period, provisional=False)
    said = await comment(
        ctx.session, outcome, reading, text, by=ctx.caller.user_id, now=ctx.now, tz=ctx.tz
    )
    return Reply(said, (Section(text=said),), shared=args.shared, about=(outcome.number,))


async def comment(
    session: AsyncSession,
    outcome: Outcome,
    reading: Reading,
    text: str,
    *,
    by: str,
    now: datetime,
    tz: tzinfo,
) -> str:
    """Add or replace a reading's commentary (the old words stay in the audit log)."""
    before = reading.note
    await set_commentary(session, outcome, reading, text, by=by, now=now, tz=tz)
    replaced = f" It replaces “{before}”." if before and before != text else ""
    return (
        f"Outcome {outcome.number}'s {reading.period} reading "
        f"({with_unit(reading.value, outcome.unit)}) now has commentary: “{text}”.{replaced}"
    )


def _looks_like_period(word: str) -> bool:
    return word[:4].isdigit() and (len(word) == 4 or word[4] in "-/")


async def list_pending(ctx: CommandContext, args: Args) -> Reply:
    """/outcome pending — readings waiting for approval, oldest first"""
    waiting, total = await ReadingRepository(ctx.session).awaiting_approval(PAGE_SIZE)
    held = [q for q in await QuestionRepository(ctx.session).held() if q.expires_at > ctx.now]
    title = "Waiting for approval"
    if not waiting and not held:
        text = "Nothing is waiting for approval: every current reading is approved."
        return Reply(text, (Header(title), Section(text=text)), shared=args.shared)
    outcomes = {o.id: o for o in await RoadmapRepository(ctx.session).outcomes()}
    rows = []
    for number, r in waiting:
        unit = outcomes[r.outcome_id].unit
        note = r.note or ("commentary missing" if r.status in NEEDS_COMMENTARY else "")
        rows.append(
            (
                str(number),
                r.period,
                with_unit(r.value, unit),
                r.submitted_by,
                moment(r.submitted_at, ctx.tz),
                note,
            )
        )
    more = f"; the first {len(waiting)} are shown" if total > len(waiting) else ""
    blocks: list[Header | Section | Table | Context] = [
        Header(title),
        Section(text=f"{total} reading{'s' if total != 1 else ''}, oldest first{more}."),
    ]
    if rows:
        blocks.append(
            Table(("#", "Period", "Reading", "Submitted by", "When", "Commentary"), tuple(rows))
        )
    if held:
        lines = [
            f"Outcome {outcomes[q.outcome_id].number}, {q.period}: "
            f"{with_unit(q.value or 0, outcomes[q.outcome_id].unit)} from {mention(q.user_id)}, "
            f"held until {moment(q.expires_at, ctx.tz)}"
            for q in held
        ]
        blocks.append(
            Section(
                title="Held for their submitter's word (not yet recorded)",
                text="\n".join(f"• {line}" for line in lines),
            )
        )
    blocks.append(
        Context(
            (
                "`/outcome N approve PERIOD` approves one (administrators and the group's "
                "approvers; never the person who submitted it).",
            )
        )
    )
    return Reply(f"{title}: {counted(total, 'reading')}.", tuple(blocks), shared=args.shared)
