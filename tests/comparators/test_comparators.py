"""Comparator figures: England and other areas beside the road map's own, from waymark's
comparators.csv and from the CSV that OHID Fingertips gives, through to `status --json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands.domain.comparators import Comparison, latest_by_area, published_period
from commands.domain.periods import Cadence
from tests.cli.test_cli import database_url, waymark
from tests.factories import CADENCE_OUTCOMES, OUTCOMES, write_roadmap

__all__ = ["database_url"]

# A Fingertips download as its `all_data/csv` API gives it (columns trimmed to those read, plus
# the sex and category ones that decide which rows count). Outcome 21 is mapped to `90366:Male`.
FINGERTIPS = """\
Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit
90366,Life expectancy at birth,,,E92000001,England,England,Male,All ages,,,2020 - 22,78.9,78.8
90366,Life expectancy at birth,,,E92000001,England,England,Female,All ages,,,2020 - 22,82.8,82.7
90366,Life expectancy at birth,,,E92000001,England,England,Male,All ages,,,2021 - 23,79.1,79.0
90366,Life expectancy at birth,E92000001,England,E12000006,East of England region,Region,Male,All ages,,,2021 - 23,80.2,80.1
90366,Life expectancy at birth,E92000001,England,E92000001,England,England,Male,All ages,District & UA deprivation deciles,Most deprived decile,2021 - 23,74.1,73.9
90366,Life expectancy at birth,E12000006,East of England region,E06000032,Luton,UA,Male,All ages,,,2021 - 23,,
92443,Smoking Prevalence in adults,,,E92000001,England,England,Persons,18+ yrs,,,2023,11.6,11.3
"""


@pytest.mark.parametrize(
    ("written", "cadence", "label"),
    [
        ("2021 - 23", Cadence.POOLED_3Y, "2021-23"),
        ("2022/23", Cadence.FINANCIAL_YEAR, "2022/23"),
        ("2022/23", Cadence.ACADEMIC_YEAR, "2022/23"),
        ("2023", Cadence.ANNUAL, "2023"),
        ("2024 Q1", Cadence.QUARTERLY, "2024-Q1"),
        ("2024-03", Cadence.MONTHLY, "2024-03"),
    ],
)
def test_published_periods_are_read_as_the_outcomes_periods(
    written: str, cadence: Cadence, label: str
) -> None:
    assert published_period(written, cadence).label == label


def test_the_latest_figure_of_each_area_england_first() -> None:
    def figure(area: str, period: str, value: float) -> Comparison:
        return Comparison(area, period, value, published_period(period, Cadence.ANNUAL).end)

    figures = [figure("Bedford", "2023", 1), figure("England", "2022", 2)]
    figures += [figure("England", "2023", 3), figure("England", "2024", 4)]
    until_2023 = latest_by_area(figures, until=published_period("2023", Cadence.ANNUAL).end)
    assert [(f.area, f.value) for f in until_2023] == [("England", 3), ("Bedford", 1)]


def _mapped_roadmap(directory: Path) -> str:
    """The test road map with outcome 21 (male life expectancy) mapped to Fingertips."""
    write_roadmap(directory)
    outcomes = directory / "outcomes.csv"
    lines = (OUTCOMES + CADENCE_OUTCOMES.split("\n", 1)[1]).splitlines()
    lines[0] += ",fingertips_indicator"
    lines[1:] = [line + (",90366:Male" if line.startswith("21,") else ",") for line in lines[1:]]
    outcomes.write_text("\n".join(lines) + "\n")
    return str(directory)


def test_fingertips_figures_round_trip_into_status_json(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waymark(capsys, "roadmap", "import", _mapped_roadmap(tmp_path / "map"), "--by", "U0ADMIN")
    download = tmp_path / "fingertips.csv"
    download.write_text(FINGERTIPS)

    code, out, err = waymark(capsys, "comparators", "import", str(download), "--by", "U0PERF")

    assert (code, err) == (0, "")
    # England's two male figures and the region's; the decile, the blank Luton row and the
    # other indicator (no outcome is mapped to smoking here) are left out and counted.
    assert "3 stored for 1 outcomes" in out
    assert "1 for categories within an area" in out
    assert "1 without a value" in out
    code, out, _ = waymark(capsys, "status", "21", "--json", "--at", "2026-11-26")
    assert json.loads(out)["comparators"] == [
        {"area": "England", "period": "2020-22", "value": 78.9},
        {"area": "England", "period": "2021-23", "value": 79.1},
        {"area": "East of England region", "period": "2021-23", "value": 80.2},
    ]
    code, out, _ = waymark(capsys, "status", "21", "--at", "2026-11-26")
    assert "Compared with: England 79.1 years (2021-23); East of England region 80.2" in out

    # The same file again changes nothing; --area keeps only the areas named.
    code, out, _ = waymark(capsys, "comparators", "import", str(download), "--area", "England")
    assert "2 unchanged for 1 outcomes" in out
    assert "1 for other areas" in out


def test_waymark_comparators_round_trip_and_bad_rows_say_what_to_fix(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waymark(capsys, "roadmap", "import", str(write_roadmap(tmp_path / "map")), "--by", "U0ADMIN")
    mine = tmp_path / "comparators.csv"
    mine.write_text(
        "outcome,period,area,value,source\n"
        "12,2024/25,England,31.5,DWP children in low income families\n"
        "13,2024-Q3,England,88.9,UKHSA COVER\n"
    )
    code, out, _ = waymark(capsys, "comparators", "import", str(mine))
    assert code == 0
    code, out, _ = waymark(capsys, "status", "12", "--json", "--at", "2026-11-26")
    assert json.loads(out)["comparators"] == [
        {"area": "England", "period": "2024/25", "value": 31.5}
    ]

    mine.write_text("outcome,period,area,value,source\n12,2024,England,31.5,\n99,2024/25,X,1,\n")
    code, _, err = waymark(capsys, "comparators", "import", str(mine))
    assert code == 1
    assert "Nothing was imported: 2 problems to fix." in err
    assert "row 2" in err
    assert "'2024' is not a period" in err
    assert "row 3, column outcome: '99' is not an outcome's number" in err
