"""The words of the weekly digest: status by area, readings received, status changes,
corrections, what awaits approval, what is overdue and what is due soon, and the delivery
plans' actions delayed, past their due date or completed (the lines about readings are in
`reading_lines`). Every list is capped, so the message stays inside Slack's limits whatever
the size of the road map."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.comparisons import comparisons_of
from commands.digest.reading_lines import (
    correction_line,
    received_line,
    status_line,
    waiting_line,
)
from commands.digest.standing_lines import (
    STATUS_ORDER,
    UPCOMING_DAYS,
    standing_lines,
)
from commands.domain.calendar import Timetable, digest_instant
from commands.domain.comparators import FIRST_AREA, Comparison, latest_by_area
from commands.domain.rules import Status
from commands.people.directory import names_for
from commands.plans.digest import plan_lists
from commands.presentation.charts import status_by_area_chart
from commands.presentation.formatting import STATUS_WORDS, counted, day
from commands.presentation.replies import (
    Context,
    Divider,
    Fact,
    Header,
    Reply,
    Section,
    Table,
)
from storage.repositories import (
    DigestRepository,
    ReadingRepository,
)

MAX_ITEMS = 8  # lines per list before "…and N more"


MAX_LIST_TEXT = 2600  # characters per list: Slack allows 3,000 in a section


MAX_TABLE_AREAS = 15


MAX_FACT_AREAS = 10  # Slack shows at most 10 fields in a section


POINTER = "`/outcome list` shows every outcome."


async def digest_reply(
    session: AsyncSession,
    now: datetime,
    week: date,
    timetable: Timetable,
    late: bool,
    skipped: Sequence[date],
) -> Reply:
    today = timetable.today(now)
    window_end = digest_instant(week, timetable)
    window_start = digest_instant(week - timedelta(days=7), timetable)
    # Only the first of each list is read; how many each has is counted in the database.
    week_in = await DigestRepository(session).week(window_start, window_end, MAX_ITEMS)
    waiting, waiting_total = await ReadingRepository(session).awaiting_approval(MAX_ITEMS + 1)
    new = week_in.received
    corrections = week_in.corrections
    named = {
        *(r.reading.outcome_id for r in new),
        *(r.outcome_id for r, _ in corrections),
        *(oid for oid, _, _ in week_in.changes),
        *(r.outcome_id for _, r in waiting),
    }
    # Statuses as kept: none is worked out here (see `commands.readings.standing`).
    standing = await standing_lines(session, today, named)
    rows, totals, by_id = standing.rows, standing.totals, standing.named
    plans = await plan_lists(session, today, window_start, window_end, timetable.tz)

    blocks: list[Header | Section | Context | Table | Divider] = [
        Header(f"Road map digest: week of {day(week)}")
    ]
    if late or skipped:
        blocks.append(Context((_late_notice(week, timetable, late, skipped),)))
    blocks += _status_blocks(rows, totals, sum(totals.values()))
    chart = status_by_area_chart(rows, day(week))
    blocks.append(Divider())
    names = await names_for(
        session, {r.submitted_by for r in (*(n.reading for n in new), *(c for c, _ in corrections))}
    )
    england = await _england(session, {n.reading.outcome_id for n in new}, today)
    blocks += [
        _list_section(
            f"Readings received ({week_in.received_total})",
            [
                received_line(
                    n,
                    by_id[n.reading.outcome_id],
                    names.in_chat(n.reading.submitted_by),
                    england.get(n.reading.outcome_id),
                )
                for n in new
            ],
            "No readings came in this week.",
            total=week_in.received_total,
        ),
        _list_section(
            "Status changes",
            [status_line(by_id[oid], before, after) for oid, before, after in week_in.changes],
            "No outcome changed status this week.",
            total=week_in.changes_total,
        ),
        _list_section(
            f"Corrections ({week_in.corrections_total})",
            [
                f"{correction_line(r, by_id[r.outcome_id], was)}, "
                f"by {names.in_chat(r.submitted_by)}"
                for r, was in corrections
            ],
            "No readings were corrected this week.",
            total=week_in.corrections_total,
        ),
        _list_section(
            f"Awaiting approval ({waiting_total})",
            [waiting_line(number, r, by_id[r.outcome_id], timetable) for number, r in waiting],
            "Every current reading is approved.",
            total=waiting_total,
            pointer="`/outcome pending` lists them all.",
        ),
        _list_section(
            "Overdue readings by group",
            standing.overdue,
            "Nothing is overdue.",
        ),
        _list_section(
            f"Due in the next {UPCOMING_DAYS} days",
            standing.upcoming,
            f"No readings are due in the next {UPCOMING_DAYS} days.",
            total=standing.upcoming_total,
        ),
        *(_list_section(*listing) for listing in plans),
        Context(
            (
                f"Readings received and changes cover {_span(window_start, window_end, timetable)}."
                f" Statuses and due dates as at {day(today)}. `/outcome N` explains any outcome; "
                f"{POINTER}",
            )
        ),
    ]
    fallback = (
        f"Road map digest, week of {day(week)}: "
        + ", ".join(f"{totals[s]} {STATUS_WORDS[s].lower()}" for s in STATUS_ORDER)
        + f". {counted(week_in.received_total, 'reading')} received."
    )
    return Reply(fallback, (*blocks, chart), shared=True)


async def _england(
    session: AsyncSession, outcome_ids: set[int], today: date
) -> dict[int, Comparison]:
    """England's latest published figure for each of these outcomes that has one: one figure a
    line keeps the digest short (the card and `/outcome N history` show the other areas)."""
    found = await comparisons_of(session, outcome_ids) if outcome_ids else {}
    return {
        oid: latest[0]
        for oid, figures in found.items()
        if (latest := latest_by_area(figures, until=today)) and latest[0].area == FIRST_AREA
    }


def _late_notice(week: date, timetable: Timetable, late: bool, skipped: Sequence[date]) -> str:
    parts = []
    if late:
        parts.append(
            f"This digest is late: it was due on {day(week)} at {timetable.digest_time:%H:%M}."
        )
    if skipped:
        weeks = ", ".join(day(w) for w in skipped[:4])
        more = f" and {len(skipped) - 4} more" if len(skipped) > 4 else ""
        noun = "week" if len(skipped) == 1 else "weeks"
        parts.append(f"No digest was posted for the {noun} of {weeks}{more}.")
    return " ".join(parts)


def _span(start: datetime, end: datetime, timetable: Timetable) -> str:
    first, last = timetable.local(start), timetable.local(end)
    return f"{day(first.date())} {first:%H:%M} to {day(last.date())} {last:%H:%M}"


def _status_blocks(
    rows: Sequence[tuple[str, int, int, int, int]], totals: dict[Status, int], total: int
) -> list[Section | Table]:
    """The counts per area twice: as fields people can scan, and as a table that lines up."""

    def words(counts: Sequence[int]) -> str:
        return ", ".join(
            f"{n} {STATUS_WORDS[s].lower()}" for s, n in zip(STATUS_ORDER, counts, strict=True)
        )

    def folded(limit: int) -> list[tuple[str, list[int]]]:
        kept = [(r[0], list(r[1:])) for r in rows]
        if len(kept) <= limit:
            return kept
        rest = kept[limit - 1 :]
        summed = [sum(c[i] for _, c in rest) for i in range(4)]
        return [*kept[: limit - 1], (f"{len(rest)} more areas", summed)]

    facts = tuple(Fact(area, words(c)) for area, c in folded(MAX_FACT_AREAS))
    overall = words([totals[s] for s in STATUS_ORDER])
    table_rows = [(area, *(str(n) for n in c)) for area, c in folded(MAX_TABLE_AREAS)]
    table_rows.append(("All areas", *(str(totals[s]) for s in STATUS_ORDER)))
    return [
        Section(title="Status by priority area", text=f"{total} outcomes: {overall}.", facts=facts),
        Table(
            headers=("Priority area", *(STATUS_WORDS[s] for s in STATUS_ORDER)),
            rows=tuple(tuple(r) for r in table_rows),
        ),
    ]


def _list_section(
    title: str,
    lines: Sequence[str],
    empty: str,
    *,
    total: int | None = None,
    pointer: str = POINTER,
) -> Section:
    """A list, cut to fit; `total` when `lines` are only the first of more."""
    if not lines:
        return Section(title=title, text=empty)
    shown: list[str] = []
    for line in lines:
        if len(shown) == MAX_ITEMS or sum(len(s) + 3 for s in shown) + len(line) > MAX_LIST_TEXT:
            break
        shown.append(line)
    text = "\n".join(f"• {s}" for s in shown)
    left = (total if total is not None else len(lines)) - len(shown)
    if left > 0:
        text += f"\n…and {left} more. {pointer}"
    return Section(title=title, text=text)
