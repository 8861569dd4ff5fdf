"""The digest's lines about readings: those received this week, each compared with the
reading before it as both stand now and with England's latest figure, corrections, what awaits
approval, and status changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from commands.domain.calendar import Timetable
from commands.domain.comparators import Comparison
from commands.domain.rules import Polarity, Status, direction_for
from commands.domain.status import NEEDS_COMMENTARY
from commands.presentation.formatting import DIRECTION_WORDS, STATUS_WORDS, day, with_unit
from storage.publication_models import ReadingState
from storage.repositories import ReadingRow, StandingRow


def current_at(readings: Iterable[ReadingRow], at: datetime) -> list[ReadingRow]:
    """The readings that were current at `at`, one per period, newest period first."""
    by_period: dict[date, ReadingRow] = {}
    for r in readings:
        if r.submitted_at < at and (r.superseded_at is None or r.superseded_at >= at):
            held = by_period.get(r.period_start)
            if held is None or (held.submitted_at, held.id) < (r.submitted_at, r.id):
                by_period[r.period_start] = r
    return [by_period[p] for p in sorted(by_period, reverse=True)]


def received_in(
    history: dict[int, list[ReadingRow]], start: datetime, end: datetime
) -> list[ReadingRow]:
    """The readings submitted in [start, end), in the order they came in: all are in the
    outcomes' `history` around the week (current, or superseded since they came in), so the
    digest asks the database once for both."""
    found = [r for rs in history.values() for r in rs if start <= r.submitted_at < end]
    return sorted(found, key=lambda r: (r.submitted_at, r.id))


def received_now(
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


def received_line(
    reading: ReadingRow,
    outcome: StandingRow,
    current_now: dict[int, list[ReadingRow]],
    by: str,
    england: Comparison | None = None,
) -> str:
    """`current_now`: each outcome's current readings, newest first: like is compared with like.
    `by`: who gave it, by name. `england`: England's latest figure, read beside it."""
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
    if england is not None:
        line += f"; {england.area} {with_unit(england.value, outcome.unit)} in {england.period}"
    return f"{line}, from {by}{reading_marks(reading)}"


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


def _kept_status(current: Sequence[ReadingRow]) -> Status:
    """The status an outcome had when `current` (newest first) were its current readings."""
    if not current:
        return Status.NO_DATA
    latest = current[0]
    assert latest.path_status is not None, "readings are rated when stored"
    return Status(latest.path_status)


def waiting_line(
    number: int, reading: ReadingRow, outcome: StandingRow, timetable: Timetable
) -> str:
    when = day(timetable.local(reading.submitted_at).date())
    missing = (
        ", commentary missing" if reading.status in NEEDS_COMMENTARY and not reading.note else ""
    )
    return (
        f"Outcome {number}, {reading.period}: {with_unit(reading.value, outcome.unit)}, "
        f"entered {when}{missing}"
    )


def correction_line(reading: ReadingRow, outcome: StandingRow, every: dict[int, ReadingRow]) -> str:
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


def status_changes(
    outcomes: Sequence[StandingRow],
    received: Sequence[ReadingRow],
    history: dict[int, list[ReadingRow]],
    start: datetime,
    end: datetime,
) -> list[str]:
    """Status depends only on the readings, so only outcomes with a reading this week can
    have changed: compare what was current at the start of the week with the end. An outcome's
    status at a moment is the status its latest current reading then has against the targets
    as they stand (`path_status`, kept): nothing is worked out again."""
    touched = {r.outcome_id for r in received}
    lines = []
    for outcome in outcomes:
        if outcome.id not in touched:
            continue
        readings = history.get(outcome.id, [])
        before, after = (_kept_status(current_at(readings, at)) for at in (start, end))
        if before != after:
            lines.append(
                f"Outcome {outcome.number}, {outcome.title}: "
                f"{STATUS_WORDS[before].lower()} → {STATUS_WORDS[after].lower()}"
            )
    return lines
