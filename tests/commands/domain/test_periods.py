"""Periods, one syntax per cadence: every row can be checked against a calendar."""

from datetime import date

import pytest

from commands.domain.periods import (
    Cadence,
    PeriodError,
    last_ended,
    milestone_end,
    parse_cadence,
    parse_period,
    period_containing,
)

M, Q, A, FY = Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.ANNUAL, Cadence.FINANCIAL_YEAR
AY, P2, P3, P5 = Cadence.ACADEMIC_YEAR, Cadence.POOLED_2Y, Cadence.POOLED_3Y, Cadence.POOLED_5Y


@pytest.mark.parametrize(
    ("text", "cadence", "start", "end", "following", "preceding"),
    [
        ("2025-03", M, date(2025, 3, 1), date(2025, 3, 31), "2025-04", "2025-02"),
        ("2024-02", M, date(2024, 2, 1), date(2024, 2, 29), "2024-03", "2024-01"),  # leap year
        ("2025-12", M, date(2025, 12, 1), date(2025, 12, 31), "2026-01", "2025-11"),
        ("2025-01", M, date(2025, 1, 1), date(2025, 1, 31), "2025-02", "2024-12"),
        ("2025-Q1", Q, date(2025, 1, 1), date(2025, 3, 31), "2025-Q2", "2024-Q4"),
        ("2025-Q4", Q, date(2025, 10, 1), date(2025, 12, 31), "2026-Q1", "2025-Q3"),
        ("2025-q2", Q, date(2025, 4, 1), date(2025, 6, 30), "2025-Q3", "2025-Q1"),
        ("2025", A, date(2025, 1, 1), date(2025, 12, 31), "2026", "2024"),
        ("2024/25", FY, date(2024, 4, 1), date(2025, 3, 31), "2025/26", "2023/24"),
        ("1999/00", FY, date(1999, 4, 1), date(2000, 3, 31), "2000/01", "1998/99"),
        # Academic years run September to August.
        ("2024/25", AY, date(2024, 9, 1), date(2025, 8, 31), "2025/26", "2023/24"),
        ("1999/00", AY, date(1999, 9, 1), date(2000, 8, 31), "2000/01", "1998/99"),
        # Pooled periods: whole calendar years, a new period each year, so they overlap.
        ("2021-23", P3, date(2021, 1, 1), date(2023, 12, 31), "2022-24", "2020-22"),
        ("1998-00", P3, date(1998, 1, 1), date(2000, 12, 31), "1999-01", "1997-99"),
        ("2022-23", P2, date(2022, 1, 1), date(2023, 12, 31), "2023-24", "2021-22"),
        ("2019-23", P5, date(2019, 1, 1), date(2023, 12, 31), "2020-24", "2018-22"),
    ],
)
def test_period_parses_formats_and_steps(
    text: str, cadence: Cadence, start: date, end: date, following: str, preceding: str
) -> None:
    period = parse_period(text, cadence)
    assert (period.start, period.end) == (start, end)
    assert period.label == text.upper() if cadence is Q else period.label == text
    assert period.next().label == following
    assert period.previous().label == preceding
    assert parse_period(period.label, cadence) == period


@pytest.mark.parametrize(
    ("text", "cadence", "says"),
    [
        ("2025-13", M, "no month 13"),
        ("March 2025", M, "monthly periods are written like 2025-03"),
        ("2025-Q5", Q, "quarterly periods are written like 2025-Q1"),
        ("2025", Q, "quarterly periods are written like 2025-Q1"),
        ("25", A, "annual periods are written like 2025"),
        ("2024/26", FY, "as in 2024/25"),
        ("2024-25", FY, "financial_year periods are written like 2024/25"),
        ("", M, "monthly periods are written like 2025-03"),
        ("2024/26", AY, "is not an academic year: the second part is the year after the first"),
        ("2024-25", AY, r"academic_year periods are written like 2024/25 \(1 September 2024"),
        ("2021", P3, r"pooled_3y periods are written like 2021-23 \(1 January 2021 to 31 December"),
        ("2021-22", P3, "'2021-22' is not a 3-year period: .* as in 2021-23"),
        ("2021/23", P3, "pooled_3y periods are written like 2021-23"),
        ("2021-23", P5, "'2021-23' is not a 5-year period: .* as in 2021-25"),
        # Years with no dates: refused as the others are, not a crash.
        ("0000-01", M, "monthly periods are written like 2025-03"),
        ("0000-Q1", Q, "quarterly periods are written like 2025-Q1"),
        ("9999/00", FY, "financial_year periods are written like 2024/25"),
        ("9998-00", P3, "pooled_3y periods are written like 2021-23"),
        ("2023/24", FY, None),
    ],
)
def test_a_bad_period_names_the_accepted_form(
    text: str, cadence: Cadence, says: str | None
) -> None:
    if says is None:  # the control row: a good period parses
        assert parse_period(text, cadence).label == text
        return
    with pytest.raises(PeriodError, match=says):
        parse_period(text, cadence)


@pytest.mark.parametrize(
    ("day", "cadence", "label"),
    [
        (date(2025, 3, 31), M, "2025-03"),
        (date(2025, 3, 31), Q, "2025-Q1"),
        (date(2025, 4, 1), Q, "2025-Q2"),
        (date(2025, 3, 31), FY, "2024/25"),
        (date(2025, 4, 1), FY, "2025/26"),
        (date(2025, 12, 31), A, "2025"),
        (date(2025, 8, 31), AY, "2024/25"),
        (date(2025, 9, 1), AY, "2025/26"),
        # Pooled periods overlap: the one that ends in the day's year.
        (date(2025, 6, 30), P3, "2023-25"),
        (date(2025, 1, 1), P2, "2024-25"),
        (date(2025, 12, 31), P5, "2021-25"),
    ],
)
def test_period_containing_a_day(day: date, cadence: Cadence, label: str) -> None:
    assert period_containing(day, cadence).label == label


@pytest.mark.parametrize(
    ("day", "cadence", "label"),
    [
        # 27 Nov 2026: November has not ended, October has; Q4 runs on, Q3 ended 30 September.
        (date(2026, 11, 27), M, "2026-10"),
        (date(2026, 11, 27), Q, "2026-Q3"),
        (date(2026, 11, 30), M, "2026-10"),
        (date(2026, 12, 1), M, "2026-11"),
        (date(2026, 11, 27), FY, "2025/26"),
        (date(2026, 11, 27), A, "2025"),
        (date(2026, 11, 27), P3, "2023-25"),
    ],
)
def test_the_last_period_that_has_ended(day: date, cadence: Cadence, label: str) -> None:
    assert last_ended(day, cadence).label == label


@pytest.mark.parametrize(
    ("key", "cadence", "end"),
    [
        ("2028", FY, date(2028, 12, 31)),  # a plain year is 31 December, whatever the cadence
        ("2028", Q, date(2028, 12, 31)),
        ("2027/28", FY, date(2028, 3, 31)),
        ("2030-Q2", Q, date(2030, 6, 30)),
        ("2040-03", M, date(2040, 3, 31)),
        ("2027/28", AY, date(2028, 8, 31)),
        ("2028", AY, date(2028, 12, 31)),
        ("2026-28", P3, date(2028, 12, 31)),
        ("2028", P3, date(2028, 12, 31)),  # the same day: the pooled period ending in 2028
    ],
)
def test_milestone_keys(key: str, cadence: Cadence, end: date) -> None:
    assert milestone_end(key, cadence) == end


def test_a_bad_milestone_key_names_both_forms() -> None:
    with pytest.raises(PeriodError, match="plain year like 2028 or a period"):
        milestone_end("twenty-forty", FY)
    with pytest.raises(PeriodError, match="plain year like 2028 or a period"):
        milestone_end("0000", FY)


def test_a_bad_cadence_lists_the_cadences() -> None:
    with pytest.raises(PeriodError, match="monthly, quarterly, annual, financial_year"):
        parse_cadence("weekly")
