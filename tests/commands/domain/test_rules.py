"""The status rules as tables a reader can check by hand (README shows the same arithmetic)."""

from datetime import date

import pytest

from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import (
    Anchor,
    Direction,
    Path,
    Polarity,
    RuleError,
    Status,
    Tolerance,
    assess,
    direction_for,
    due_date,
    due_period,
    is_overdue,
    parse_tolerance,
)

HIGHER, LOWER = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER
FIVE_PERCENT = Tolerance(5, relative=True)
HALF_A_UNIT = Tolerance(0.5, relative=False)

# Baseline 30 at the end of 2023/24 (31 Mar 2024); 20 by the end of 2025/26 (31 Mar 2026,
# 730 days later); 10 by 31 Dec 2040 (5388 days after that).
PATH = Path(
    (
        Anchor(date(2024, 3, 31), 30.0, "2023/24"),
        Anchor(date(2026, 3, 31), 20.0, "2025/26"),
        Anchor(date(2040, 12, 31), 10.0, "2040"),
    )
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 1, 1), 30.0),  # before the baseline: the baseline value
        (date(2024, 3, 31), 30.0),  # on the baseline
        (date(2025, 3, 31), 25.0),  # 365 of 730 days: 30 - 10 x 365/730
        (date(2024, 9, 30), 27.5),  # 183 of 730 days: 30 - 10 x 183/730 = 27.4931...
        (date(2026, 3, 31), 20.0),  # on the milestone
        (date(2033, 8, 15), 15.0),  # 2694 of 5388 days after it: 20 - 10 x 2694/5388
        (date(2040, 12, 31), 10.0),  # the 2040 target
        (date(2045, 6, 1), 10.0),  # after the last milestone: the last target
    ],
)
def test_expected_value_is_a_straight_line_by_days(day: date, expected: float) -> None:
    assert PATH.expected_at(day) == pytest.approx(expected, abs=0.01)


def test_expected_value_at_a_period_end() -> None:
    # The expected value for a reading is taken at its period's end: 2024/25 ends 31 Mar 2025.
    assert PATH.expected_at(parse_period("2024/25", Cadence.FINANCIAL_YEAR).end) == 25.0


def test_next_milestone() -> None:
    assert PATH.next_milestone(date(2025, 1, 1)) == PATH.anchors[1]
    assert PATH.next_milestone(date(2026, 4, 1)) == PATH.anchors[2]
    assert PATH.next_milestone(date(2041, 1, 1)) is None


def test_milestones_must_move_forward_in_time() -> None:
    with pytest.raises(RuleError, match="must come after"):
        Path((Anchor(date(2026, 1, 1), 1, "a"), Anchor(date(2025, 1, 1), 2, "b")))


@pytest.mark.parametrize(
    ("value", "polarity", "tolerance", "status", "shortfall"),
    [
        # expected 25; 5% of 25 is 1.25
        (25.0, LOWER, FIVE_PERCENT, Status.ON_TRACK, 0.0),  # meets the path
        (24.0, LOWER, FIVE_PERCENT, Status.ON_TRACK, 0.0),  # beats it (lower is better)
        (26.0, LOWER, FIVE_PERCENT, Status.AT_RISK, 1.0),  # misses by 1 <= 1.25
        (26.25, LOWER, FIVE_PERCENT, Status.AT_RISK, 1.25),  # exactly the tolerance
        (26.3, LOWER, FIVE_PERCENT, Status.OFF_TRACK, 1.3),  # misses by 1.3 > 1.25
        (26.0, HIGHER, FIVE_PERCENT, Status.ON_TRACK, 0.0),  # beats it (higher is better)
        (23.75, HIGHER, FIVE_PERCENT, Status.AT_RISK, 1.25),
        (23.7, HIGHER, FIVE_PERCENT, Status.OFF_TRACK, 1.3),
        # absolute tolerance: 0.5 in the measure's unit
        (25.5, LOWER, HALF_A_UNIT, Status.AT_RISK, 0.5),
        (25.6, LOWER, HALF_A_UNIT, Status.OFF_TRACK, 0.6),
        (24.5, HIGHER, HALF_A_UNIT, Status.AT_RISK, 0.5),
        (24.4, HIGHER, HALF_A_UNIT, Status.OFF_TRACK, 0.6),
    ],
)
def test_status_against_expected_25(
    value: float, polarity: Polarity, tolerance: Tolerance, status: Status, shortfall: float
) -> None:
    assessment = assess(value, 25.0, polarity, tolerance)
    assert assessment.status is status
    assert assessment.shortfall == pytest.approx(shortfall)


def test_a_reading_on_an_interpolated_line_is_on_track_despite_float_noise() -> None:
    expected = 0.1 + 0.2  # 0.30000000000000004
    assert assess(0.3, expected, HIGHER, FIVE_PERCENT).status is Status.ON_TRACK


@pytest.mark.parametrize(
    ("text", "tolerance"),
    [
        ("5%", Tolerance(5, True)),
        ("10 %", Tolerance(10, True)),
        ("0.5", HALF_A_UNIT),
        ("", FIVE_PERCENT),
    ],
)
def test_tolerance_forms(text: str, tolerance: Tolerance) -> None:
    assert parse_tolerance(text) == tolerance


def test_a_bad_tolerance_says_what_to_write() -> None:
    with pytest.raises(RuleError, match=r"like 5% .* like 0\.5"):
        parse_tolerance("five")


@pytest.mark.parametrize(
    ("latest", "previous", "polarity", "direction"),
    [
        (12, 10, HIGHER, Direction.IMPROVING),
        (10, 12, HIGHER, Direction.WORSENING),
        (12, 10, LOWER, Direction.WORSENING),
        (10, 12, LOWER, Direction.IMPROVING),
        (10, 10, LOWER, Direction.UNCHANGED),
    ],
)
def test_direction_of_travel(
    latest: float, previous: float, polarity: Polarity, direction: Direction
) -> None:
    assert direction_for(latest, previous, polarity) is direction


Q, FY, M, A = Cadence.QUARTERLY, Cadence.FINANCIAL_YEAR, Cadence.MONTHLY, Cadence.ANNUAL
AY, P3 = Cadence.ACADEMIC_YEAR, Cadence.POOLED_3Y


@pytest.mark.parametrize(
    ("first", "cadence", "lag", "today", "due", "reported", "overdue"),
    [
        # 2025-Q1 ends 31 Mar 2025; with a 60-day lag its reading is due on 30 May 2025.
        ("2024-Q1", Q, 60, date(2025, 5, 29), "2024-Q4", ["2024-Q4"], False),  # day before
        ("2024-Q1", Q, 60, date(2025, 5, 30), "2024-Q4", ["2024-Q4"], False),  # the due date
        ("2024-Q1", Q, 60, date(2025, 5, 31), "2025-Q1", ["2024-Q4"], True),  # day after
        ("2024-Q1", Q, 60, date(2025, 5, 31), "2025-Q1", ["2025-Q1"], False),
        ("2024-Q1", Q, 60, date(2025, 5, 31), "2025-Q1", ["2025-Q2"], False),  # a later one
        # Quarters across a year end: 2025-Q4 ends 31 Dec 2025, due 1 Mar 2026 with 60 days.
        ("2024-Q1", Q, 60, date(2026, 3, 2), "2025-Q4", ["2025-Q3"], True),
        ("2024-Q1", Q, 60, date(2026, 3, 1), "2025-Q3", ["2025-Q3"], False),
        # 2024/25 ends 31 Mar 2025; a 180-day lag makes it due on 27 Sep 2025.
        ("2023/24", FY, 180, date(2025, 9, 27), "2023/24", ["2023/24"], False),
        ("2023/24", FY, 180, date(2025, 9, 28), "2024/25", ["2023/24"], True),
        # 2025-03 ends 31 Mar; 30 days later is 30 Apr.
        ("2025-01", M, 30, date(2025, 4, 30), "2025-02", [], True),
        ("2025-01", M, 30, date(2025, 5, 1), "2025-03", ["2025-03"], False),
        # Annual, 365-day lag: 2024 ends 31 Dec 2024, due 31 Dec 2025.
        ("2023", A, 365, date(2026, 1, 1), "2024", ["2023"], True),
        ("2023", A, 365, date(2025, 12, 31), "2023", ["2023"], False),
        # Academic years: 2024/25 ends 31 Aug 2025; a 200-day lag makes it due on 19 Mar 2026
        # (30 + 31 + 30 + 31 + 31 + 28 = 181 days to 28 Feb, and 19 more).
        ("2023/24", AY, 200, date(2026, 3, 19), "2023/24", ["2023/24"], False),
        ("2023/24", AY, 200, date(2026, 3, 20), "2024/25", ["2023/24"], True),
        ("2023/24", AY, 200, date(2026, 3, 20), "2024/25", ["2024/25"], False),
        # Pooled three-year periods, a new one each year: 2022-24 ends 31 Dec 2024; a 420-day
        # lag makes it due on 24 Feb 2026 (2025 has 365 days, so 31 Dec + 420 = 24 Feb 2026).
        ("2021-23", P3, 420, date(2026, 2, 24), "2021-23", ["2021-23"], False),
        ("2021-23", P3, 420, date(2026, 2, 25), "2022-24", ["2021-23"], True),
        ("2021-23", P3, 420, date(2027, 2, 25), "2023-25", ["2022-24"], True),
        ("2021-23", P3, 420, date(2027, 2, 25), "2023-25", ["2023-25"], False),
    ],
)
def test_due_and_overdue(
    first: str,
    cadence: Cadence,
    lag: int,
    today: date,
    due: str,
    reported: list[str],
    overdue: bool,
) -> None:
    period = due_period(parse_period(first, cadence), lag, today)
    assert period is not None
    assert period.label == due
    assert is_overdue(period, [parse_period(p, cadence) for p in reported]) is overdue


def test_nothing_is_due_before_the_first_period_is() -> None:
    first = parse_period("2026-Q3", Q)  # ends 30 Sep 2026, due 29 Nov 2026 with 60 days
    assert due_period(first, 60, date(2026, 11, 29)) is None
    assert is_overdue(None, []) is False
    assert due_date(first, 60) == date(2026, 11, 29)
