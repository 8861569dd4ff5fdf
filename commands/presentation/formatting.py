"""How figures, statuses and dates are written for people: one place, so every surface agrees."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from commands.domain.rules import (
    Assessment,
    Direction,
    Polarity,
    Status,
    Tolerance,
    format_number,
)
from commands.domain.status import OutcomeStatus

STATUS_WORDS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.NO_DATA: "No data",
}

DIRECTION_WORDS = {
    Direction.IMPROVING: "improving",
    Direction.WORSENING: "worsening",
    Direction.UNCHANGED: "unchanged",
}

POLARITY_WORDS = {
    Polarity.HIGHER_IS_BETTER: "higher is better",
    Polarity.LOWER_IS_BETTER: "lower is better",
}


def counted(count: int, noun: str, plural: str = "") -> str:
    """`1 reading`, `2 readings`: a count with its noun in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def rounded(value: float, places: int = 2) -> str:
    """A figure as people read it: at most `places` decimals, no trailing zeros."""
    return format_number(round(value, places))


def with_unit(value: float, unit: str, places: int = 2) -> str:
    """`23.4%`, `£1,200`, `2,050`, `78.1 years`: figures with their unit, as people write them."""
    magnitude = round(value, places) + 0.0  # never "-0%": -0.0 + 0.0 is 0.0
    text = f"{magnitude:,.{places}f}".rstrip("0").rstrip(".") if places else f"{magnitude:,.0f}"
    match unit:
        case "%":
            return f"{text}%"
        case "GBP" | "£":
            # Pounds and pence: £36.50, never £36.5.
            if "." in text and len(text.rsplit(".", 1)[1]) == 1:
                text += "0"
            return f"£{text}"
        case "count" | "":
            return text
        case _:
            # "1 year", not "1 years": units are named in the plural in outcomes.csv.
            if text in ("1", "-1") and unit.endswith("s"):
                return f"{text} {unit[:-1]}"
            return f"{text} {unit}"


COUNT_ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def status_counts(counts: Mapping[Status, int]) -> str:
    """`20 on track, 8 at risk, 8 off track, 4 with no data`: "4 no data" reads as none."""
    return ", ".join(
        f"{counts.get(s, 0)} {'with no data' if s is Status.NO_DATA else STATUS_WORDS[s].lower()}"
        for s in COUNT_ORDER
    )


def difference(amount: float, unit: str, places: int = 2) -> str:
    """A gap between two figures: for percentages that is percentage points, not a percentage."""
    if unit == "%":
        words = "percentage point" if round(amount, places) == 1 else "percentage points"
        return f"{rounded(amount, places)} {words}"
    return with_unit(amount, unit, places)


def tolerance_rule(tolerance: Tolerance, unit: str) -> str:
    """The tolerance as a rule: `5% of the expected value`, or `1 percentage point`."""
    if tolerance.relative:
        return f"{tolerance} of the expected value"
    return difference(tolerance.amount, unit)


def tolerance_words(status: OutcomeStatus, allowance: float, places: int = 2) -> str:
    gap = difference(allowance, status.unit, places)
    if status.tolerance.relative:
        return f"{gap} ({status.tolerance} of the expected value)"
    return gap


def day(value: date) -> str:
    """`Tue 3 Mar 2026`: unambiguous on both sides of the Atlantic."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def moment(value: datetime, tz: tzinfo) -> str:
    local = value.astimezone(tz)
    return f"{day(local.date())}, {local:%H:%M}"


def explanation(status: OutcomeStatus) -> str:
    """Why the status is what it is, in figures a councillor can check by hand."""
    unit = status.unit
    if status.latest is None or status.assessment is None:
        if status.expected is None:
            first = status.first_due
            if first is None:
                return "No reading yet, and none is due."
            return (
                f"No reading yet, and none is due: the first, for {first.period}, "
                f"is due {day(first.due_date)}."
            )
        return (
            f"No reading yet. By the end of {status.expected_for} the path expects "
            f"{with_unit(status.expected, unit)}."
        )
    a = status.assessment
    places = places_for(a)
    reading = with_unit(status.latest.value, unit, places)
    expected = with_unit(a.expected, unit, places)
    polarity = POLARITY_WORDS[status.polarity]
    head = (
        f"{status.latest.period} reading {reading} against an expected {expected} at the end of "
        f"{status.latest.period} ({polarity})"
    )
    match a.status:
        case Status.ON_TRACK:
            return f"{head}: it meets or beats the path, so on track."
        case Status.AT_RISK:
            return (
                f"{head}: it misses by {difference(a.shortfall, unit, places)}, within the "
                f"tolerance of {tolerance_words(status, a.allowance, places)}, so at risk."
            )
        case _:
            return (
                f"{head}: it misses by {difference(a.shortfall, unit, places)}, more than the "
                f"tolerance of {tolerance_words(status, a.allowance, places)}, so off track."
            )


# Enough for any gap the rules tell apart from none (`rules._RELATIVE_SLACK`) on the road map's
# figures; beyond this the figures are written to this many places, as close as they can be.
_MOST_PLACES = 9


def places_for(a: Assessment) -> int:
    """The decimal places that show why a reading has its status: 2, or more when at 2 the
    figures would say otherwise ("88% against an expected 88%: it misses by 0 percentage
    points, so at risk"; "misses by 1, more than the tolerance of 1, so off track")."""
    places = 2
    while places < _MOST_PLACES and not _shows_why(a, places):
        places += 1
    return places


def _shows_why(a: Assessment, places: int) -> bool:
    if a.status is Status.ON_TRACK:
        return True
    gap = round(a.shortfall, places)
    if a.status is Status.OFF_TRACK:
        return gap > round(a.allowance, places)
    return gap > 0


def expected_words(a: Assessment, unit: str) -> str:
    """The expected value, written to the places that show the reading misses it."""
    return with_unit(a.expected, unit, places_for(a))


def path_summary(status: OutcomeStatus) -> str:
    """The line the expected value sits on: from the baseline through the milestones."""
    points = [f"{with_unit(status.baseline.value, status.unit)} in {status.baseline.label}"]
    if status.next_milestone:
        target = with_unit(status.next_milestone.value, status.unit)
        points.append(f"{target} by {status.next_milestone.label}")
    return " → ".join(points)
