"""The words of the weekly digest: status by area, readings received, status changes,
corrections, what is overdue and what is due soon. Every list is capped, so the message stays
inside Slack's limits whatever the size of the road map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.calendar import Timetable, digest_instant
from commands.domain.periods import Cadence
from commands.domain.rules import Polarity, Status, direction_for, due_date
from commands.domain.status import (
    NEEDS_COMMENTARY,
    OutcomeStatus,
    due_of,
    first_reportable,
    period_of,
    status_of,
)
from commands.outcomes.statuses import statuses
from commands.presentation.charts import status_by_area_chart
from commands.presentation.formatting import DIRECTION_WORDS, STATUS_WORDS, day, with_unit
from commands.presentation.replies import (
    Context,
    Divider,
    Fact,
    Header,
    Reply,
    Section,
    Table,
)
from storage.models import ReadingState
from storage.repositories import (
    DigestRepository,
    OutcomeRow,
    ReadingRepository,
    ReadingRow,
    RoadmapRepository,
)

UPCOMING_DAYS = 14


MAX_ITEMS = 8  # lines per list before "…and N more"


MAX_LIST_TEXT = 2600  # characters per list: Slack allows 3,000 in a section


MAX_TABLE_AREAS = 15


MAX_FACT_AREAS = 10  # Slack shows at most 10 fields in a section


STATUS_ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


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
    roadmap = RoadmapRepository(session)
    areas = [a.name for a in await roadmap.areas()]
    outcomes = await roadmap.outcome_rows()
    current = await statuses(session, outcomes, today)
    digests = DigestRepository(session)
    received = await digests.received(window_start, window_end)
    history = await digests.around(window_start, window_end)
    waiting, waiting_total = await ReadingRepository(session).awaiting_approval(MAX_ITEMS + 1)
    by_id = {o.id: o for o in outcomes}
    # Worked out once per outcome, not once per reading received: a busy week is thousands.
    held_at_start = {
        oid: {r.period_start for r in _current_at(readings, window_start)}
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

    counts = {area: dict.fromkeys(STATUS_ORDER, 0) for area in areas}
    for status in current:
        counts.setdefault(status.area, dict.fromkeys(STATUS_ORDER, 0))[status.status] += 1
    rows = [
        (area, c[Status.ON_TRACK], c[Status.AT_RISK], c[Status.OFF_TRACK], c[Status.NO_DATA])
        for area, c in counts.items()
    ]
    totals = {s: sum(c[s] for c in counts.values()) for s in STATUS_ORDER}

    blocks: list[Header | Section | Context | Table | Divider] = [
        Header(f"Road map digest: week of {day(week)}")
    ]
    if late or skipped:
        blocks.append(Context((_late_notice(week, timetable, late, skipped),)))
    blocks += _status_blocks(rows, totals, len(current))
    chart = status_by_area_chart(rows, day(week))
    blocks.append(Divider())
    new = _received_now(received, held_at_start, current_now)
    corrections = [r for r in received if r.supersedes_id is not None]
    blocks += [
        _list_section(
            f"Readings received ({len(new)})",
            [_received_line(r, by_id[r.outcome_id], current_now) for r in new],
            "No readings came in this week.",
        ),
        _list_section(
            "Status changes",
            _status_changes(outcomes, received, history, window_start, window_end, today),
            "No outcome changed status this week.",
        ),
        _list_section(
            f"Corrections ({len(corrections)})",
            [_correction_line(r, by_id[r.outcome_id], every) for r in corrections],
            "No readings were corrected this week.",
        ),
        _list_section(
            f"Awaiting approval ({waiting_total})",
            [_waiting_line(number, r, by_id[r.outcome_id], timetable) for number, r in waiting],
            "Every current reading is approved.",
            total=waiting_total,
            pointer="`/outcome pending` lists them all.",
        ),
        _list_section(
            "Overdue readings by group",
            _overdue_by_group(current, today),
            "Nothing is overdue.",
        ),
        _list_section(
            f"Due in the next {UPCOMING_DAYS} days",
            _upcoming(outcomes, current, today),
            f"No readings are due in the next {UPCOMING_DAYS} days.",
        ),
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
        + f". {len(new)} readings received."
    )
    return Reply(fallback, (*blocks, chart), shared=True)


def _late_notice(week: date, timetable: Timetable, late: bool, skipped: Sequence[date]) -> str:
    parts = []
    if late:
        parts.append(
            f"This digest is late: it was due on {day(week)} at "
            f"{timetable.digest_time:%H:%M}, when waymark was not running."
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


def _current_at(readings: Iterable[ReadingRow], at: datetime) -> list[ReadingRow]:
    """The readings that were current at `at`, one per period, newest period first."""
    by_period: dict[date, ReadingRow] = {}
    for r in readings:
        if r.submitted_at < at and (r.superseded_at is None or r.superseded_at >= at):
            held = by_period.get(r.period_start)
            if held is None or (held.submitted_at, held.id) < (r.submitted_at, r.id):
                by_period[r.period_start] = r
    return [by_period[p] for p in sorted(by_period, reverse=True)]


def _received_now(
    received: Sequence[ReadingRow],
    held_at_start: dict[int, set[date]],
    current_now: dict[int, list[ReadingRow]],
) -> list[ReadingRow]:
    """The current reading of each (outcome, period) that had none when the week began and
    got one in it: its value now, not as first received (a correction is listed as one)."""
    found: dict[tuple[int, date], ReadingRow] = {}
    for r in received:
        key = (r.outcome_id, r.period_start)
        if key in found or r.period_start in held_at_start.get(r.outcome_id, set()):
            continue
        now = next((c for c in current_now.get(r.outcome_id, []) if c.period_start == key[1]), r)
        found[key] = now
    return list(found.values())


def _received_line(
    reading: ReadingRow, outcome: OutcomeRow, current_now: dict[int, list[ReadingRow]]
) -> str:
    """`current_now`: each outcome's current readings, newest first: like is compared with like."""
    value = with_unit(reading.value, outcome.unit)
    previous = next(
        (r for r in current_now.get(outcome.id, []) if r.period_start < reading.period_start),
        None,
    )
    head = f"Outcome {outcome.number}, {outcome.measure}: {reading.period} {value}"
    if previous is None:
        line = f"{head}, the first reading"
    else:
        direction = direction_for(reading.value, previous.value, Polarity(outcome.polarity))
        was = with_unit(previous.value, outcome.unit)
        line = f"{head}, {DIRECTION_WORDS[direction]} (was {was} in {previous.period})"
    return line + reading_marks(reading)


def reading_marks(reading: ReadingRow) -> str:
    """What a reader of a figure should know about it: provisional, revised after publication,
    and its commentary (or that it is missing)."""
    marks = []
    if reading.state == ReadingState.PROVISIONAL:
        marks.append("provisional")
    if reading.revision_reason:
        marks.append(f"revised after publication: {reading.revision_reason}")
    if reading.note:
        marks.append(f"“{reading.note}”")
    elif reading.status in NEEDS_COMMENTARY:
        marks.append("commentary missing")
    return f" — {'; '.join(marks)}" if marks else ""


def _waiting_line(
    number: int, reading: ReadingRow, outcome: OutcomeRow, timetable: Timetable
) -> str:
    when = day(timetable.local(reading.submitted_at).date())
    missing = (
        ", commentary missing" if reading.status in NEEDS_COMMENTARY and not reading.note else ""
    )
    return (
        f"Outcome {number}, {reading.period}: {with_unit(reading.value, outcome.unit)}, "
        f"entered {when}{missing}"
    )


def _correction_line(reading: ReadingRow, outcome: OutcomeRow, every: dict[int, ReadingRow]) -> str:
    replaced = every.get(reading.supersedes_id) if reading.supersedes_id is not None else None
    new = with_unit(reading.value, outcome.unit)
    old = with_unit(replaced.value, outcome.unit) if replaced else "an earlier value"
    note = f" ({reading.note})" if reading.note else ""
    revised = (
        f" — revised after publication: {reading.revision_reason}"
        if reading.revision_reason
        else ""
    )
    return f"Outcome {outcome.number}, {reading.period}: {old} corrected to {new}{note}{revised}"


def _status_changes(
    outcomes: Sequence[OutcomeRow],
    received: Sequence[ReadingRow],
    history: dict[int, list[ReadingRow]],
    start: datetime,
    end: datetime,
    today: date,
) -> list[str]:
    """Status depends only on the readings, so only outcomes with a reading this week can
    have changed: compare what was current at the start of the week with the end."""
    touched = {r.outcome_id for r in received}
    lines = []
    for outcome in outcomes:
        if outcome.id not in touched:
            continue
        readings = history.get(outcome.id, [])
        before = status_of(outcome, _current_at(readings, start)[:2], today).status
        after = status_of(outcome, _current_at(readings, end)[:2], today).status
        if before != after:
            lines.append(
                f"Outcome {outcome.number}, {outcome.title}: "
                f"{STATUS_WORDS[before].lower()} → {STATUS_WORDS[after].lower()}"
            )
    return lines


def _overdue_by_group(current: Sequence[OutcomeStatus], today: date) -> list[str]:
    by_group: dict[str, list[str]] = {}
    for status in current:
        if status.due is None or not status.due.overdue:
            continue
        late = (today - status.due.due_date).days
        paused = ", reminders paused" if status.paused_reason is not None else ""
        by_group.setdefault(status.owner_name or "No group", []).append(
            f"{status.number} ({status.due.period}, {late} day{'' if late == 1 else 's'}{paused})"
        )
    lines = []
    for group in sorted(by_group):
        items = by_group[group]
        more = f" and {len(items) - 6} more" if len(items) > 6 else ""
        lines.append(f"{group}: outcomes {', '.join(items[:6])}{more}")
    return lines


def _upcoming(
    outcomes: Sequence[OutcomeRow], current: Sequence[OutcomeStatus], today: date
) -> list[str]:
    latest = {s.number: s.latest for s in current}
    found: list[tuple[date, int, str]] = []
    for outcome in outcomes:
        due = due_of(outcome, today)
        upcoming = due.next() if due is not None else first_reportable(outcome)
        due_on = due_date(upcoming, outcome.lag_days)
        if not today <= due_on <= today + timedelta(days=UPCOMING_DAYS):
            continue
        reading = latest.get(outcome.number)
        cadence = Cadence(outcome.cadence)
        if reading is not None and period_of(reading.period, cadence) >= upcoming:
            continue
        group = f", {outcome.owner.name}" if outcome.owner else ""
        found.append(
            (
                due_on,
                outcome.number,
                f"Outcome {outcome.number}, {outcome.measure}: {upcoming.label} due "
                f"{day(due_on)}{group}",
            )
        )
    return [line for _, _, line in sorted(found)]
