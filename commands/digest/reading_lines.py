"""The digest's lines about readings: those received this week, each compared with the
reading before it as both stand now and with England's latest figure, corrections, what awaits
approval, and status changes. What they say is read by `DigestRepository.week`."""

from __future__ import annotations

from commands.domain.calendar import Timetable
from commands.domain.comparators import Comparison
from commands.domain.rules import Polarity, Status, direction_for
from commands.domain.status import NEEDS_COMMENTARY
from commands.presentation.formatting import DIRECTION_WORDS, STATUS_WORDS, day, with_unit
from storage.publication_models import ReadingState
from storage.repositories import ReadingRow, Received, StandingRow


def received_line(
    received: Received,
    outcome: StandingRow,
    by: str,
    england: Comparison | None = None,
) -> str:
    """A reading of a period new this week, as it stands now, against the figure before it as
    it stands now: like is compared with like. `by`: who gave it, by name. `england`: England's
    latest figure, read beside it."""
    reading = received.reading
    value = with_unit(reading.value, outcome.unit)
    head = f"Outcome {outcome.number}, {outcome.measure}: {reading.period} {value}"
    if received.before_value is None:
        line = f"{head}, the first reading"
    else:
        was_value = received.before_value
        direction = direction_for(reading.value, was_value, Polarity(outcome.polarity))
        was = with_unit(was_value, outcome.unit)
        line = f"{head}, {DIRECTION_WORDS[direction]} (was {was} in {received.before_period})"
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


def correction_line(reading: ReadingRow, outcome: StandingRow, replaced: float | None) -> str:
    """`replaced`: the value the correction replaced."""
    new = with_unit(reading.value, outcome.unit)
    old = with_unit(replaced, outcome.unit) if replaced is not None else "an earlier value"
    note = f" ({reading.note})" if reading.note else ""
    revised = (
        f" — revised after publication: {reading.revision_reason}"
        if reading.revision_reason
        else ""
    )
    return f"Outcome {outcome.number}, {reading.period}: {old} corrected to {new}{note}{revised}"


def status_line(outcome: StandingRow, before: str, after: str) -> str:
    """An outcome whose status changed in the week: its kept status when the week began and
    when it ended (see `DigestRepository.week`)."""
    was, now = STATUS_WORDS[Status(before)].lower(), STATUS_WORDS[Status(after)].lower()
    return f"Outcome {outcome.number}, {outcome.title}: {was} → {now}"
