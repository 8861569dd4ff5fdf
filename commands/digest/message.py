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
    current_at,
    received_in,
    received_line,
    received_now,
    status_changes,
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

_IDS_AT_MOST = 5000


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
    digests = DigestRepository(session)
    history = await digests.around(window_start, window_end)
    received = received_in(history, window_start, window_end)
    waiting, waiting_total = await ReadingRepository(session).awaiting_approval(MAX_ITEMS + 1)
    named = {*history, *(r.outcome_id for _, r in waiting)}
    # Statuses as kept: none is worked out here (see `commands.readings.standing`). The outcomes
    # named are found by id (a busy week names a thousand: still cheaper than reading all
    # 5,000), or all read once there are more than PostgreSQL takes parameters comfortably.
    standing = await standing_lines(session, today, named if len(named) <= _IDS_AT_MOST else None)
    rows, totals, by_id = standing.rows, standing.totals, standing.named
    # Worked out once per outcome, not once per reading received: a busy week is thousands.
    held_at_start = {
        oid: {r.period_start for r in current_at(readings, window_start)}
        for oid, readings in history.items()
    }
    current_now = {
        oid: sorted(
            (r for r in readings if r.superseded_at is None),
            key=lambda r: r.period_start,
            reverse=True,
        )
        for oid, readings in history.items()
    }
    every = {r.id: r for readings in history.values() for r in readings}
    plans = await plan_lists(session, today, window_start, window_end, timetable.tz)

    blocks: list[Header | Section | Context | Table | Divider] = [
        Header(f"Road map digest: week of {day(week)}")
    ]
    if late or skipped:
        blocks.append(Context((_late_notice(week, timetable, late, skipped),)))
    blocks += _status_blocks(rows, totals, sum(totals.values()))
    chart = status_by_area_chart(rows, day(week))
    blocks.append(Divider())
    new = received_now(received, held_at_start, current_now)
    corrections = [r for r in received if r.supersedes_id is not None]
    names = await names_for(session, {r.submitted_by for r in (*received, *new)})
    england = await _england(session, {r.outcome_id for r in new}, today)
    blocks += [
        _list_section(
            f"Readings received ({len(new)})",
            [
                received_line(
                    r,
                    by_id[r.outcome_id],
                    current_now,
                    names.in_chat(r.submitted_by),
                    england.get(r.outcome_id),
                )
                for r in new
            ],
            "No readings came in this week.",
        ),
        _list_section(
            "Status changes",
            status_changes(list(by_id.values()), received, history, window_start, window_end),
            "No outcome changed status this week.",
        ),
        _list_section(
            f"Corrections ({len(corrections)})",
            [
                f"{correction_line(r, by_id[r.outcome_id], every)}, "
                f"by {names.in_chat(r.submitted_by)}"
                for r in corrections
            ],
            "No readings were corrected this week.",
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
        + f". {counted(len(new), 'reading')} received."
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
