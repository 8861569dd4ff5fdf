"""The first use of a library in `waymark serve` adds nothing to its log: the lines WeasyPrint
and matplotlib write about their own set-up say nothing to an operator. Each runs in a fresh
interpreter, as a server starts, logging as `waymark serve` does: in a test process another
test has usually used the library first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI

LOGGING_AS_SERVE_DOES = "from bot.logs import configure_logging; configure_logging('text');"


def fresh_interpreter(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", LOGGING_AS_SERVE_DOES + code],
        capture_output=True, text=True, check=False, env=os.environ | env,
    )  # fmt: skip


def test_the_first_pdf_a_server_makes_adds_nothing_to_its_log() -> None:
    # WeasyPrint is imported when a report is first published from chat; the import parses
    # its own stylesheets and logs each step.
    done = fresh_interpreter(
        "from bot.pdf import weasyprint_pdf; make = weasyprint_pdf();"
        "page = '<html lang=en-GB><p>Outcome 12</p></html>';"
        "print('no extra' if make is None else len(make(page)) > 0)"
    )
    if done.stdout == "no extra\n" and not IN_CI:
        pytest.skip("the reports extra (WeasyPrint and Pango) is not installed")
    assert (done.returncode, done.stdout, done.stderr) == (0, "True\n", "")


def test_the_first_chart_on_a_new_machine_adds_nothing_to_its_log(tmp_path: Path) -> None:
    # No font list kept yet, as on a new machine: matplotlib builds it and says so.
    done = fresh_interpreter(
        "from commands.presentation.charts import status_by_area_chart;"
        "chart = status_by_area_chart([('Net zero', 3, 2, 1, 0)], '2026-11-23');"
        "print(chart.draw()[:4] == b'\\x89PNG')",
        MPLCONFIGDIR=str(tmp_path),
    )
    assert (done.returncode, done.stdout) == (0, "True\n")
    # Only matplotlib's warning may show, and only when the build takes over five seconds (a
    # busy machine): it says why the chart is slow.
    slow = "WARNING matplotlib.font_manager: Matplotlib is building the font cache"
    assert [line for line in done.stderr.splitlines() if slow not in line] == []
    assert list(tmp_path.glob("fontlist-*.json"))  # it was built, in this run
