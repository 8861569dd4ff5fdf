"""The weekly digest's delivery-plan lists: actions delayed, actions open past their due date,
and actions completed in the week the digest covers; one query, whatever the plans' size."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.plans import is_overdue
from commands.plans.states import state_words
from commands.presentation.formatting import day
from storage.plan_models import ActionState
from storage.repositories import ActionRow, PlanRepository

# (title, lines, what to say when there are none)
Listing = tuple[str, list[str], str]


async def plan_lists(
    session: AsyncSession, today: date, start: datetime, end: datetime, tz: tzinfo
) -> list[Listing]:
    """What the digest says about the delivery plans; one line when nothing needs saying."""
    rows = await PlanRepository(session).digest_rows(today, start, end)
    if not rows:
        return [
            (
                "Delivery plans",
                [],
                "No action is delayed or past its due date, and none was completed this week.",
            )
        ]
    delayed = [r for r in rows if r.state == ActionState.DELAYED]
    overdue = [r for r in rows if is_overdue(r.state, r.due, today)]
    completed = [r for r in rows if r.state == ActionState.COMPLETE and r.completed_at]
    return [
        (
            f"Actions delayed ({len(delayed)})",
            [_delayed(r, tz) for r in delayed],
            "No action is delayed.",
        ),
        (
            f"Actions past their due date ({len(overdue)})",
            [_overdue(r, today) for r in overdue],
            "No open action is past its due date.",
        ),
        (
            f"Actions completed this week ({len(completed)})",
            [_completed(r, tz) for r in completed],
            "No action was completed this week.",
        ),
    ]


def _delayed(row: ActionRow, tz: tzinfo) -> str:
    line = f"Action {row.ref}, {row.title}"
    if row.latest_at is not None and row.latest_state == ActionState.DELAYED:
        said = f": {row.latest_text}" if row.latest_text else ""
        return f"{line}{said} ({day(row.latest_at.astimezone(tz).date())})"
    return line


def _overdue(row: ActionRow, today: date) -> str:
    assert row.due is not None
    late = (today - row.due).days
    return (
        f"Action {row.ref}, {row.title}: due {day(row.due)}, {late} day{'' if late == 1 else 's'} "
        f"ago; {state_words(row.state).lower()}"
    )


def _completed(row: ActionRow, tz: tzinfo) -> str:
    assert row.completed_at is not None
    said = f" ({row.latest_text})" if row.latest_text else ""
    when = day(row.completed_at.astimezone(tz).date())
    return f"Action {row.ref}, {row.title}: completed {when}{said}"
