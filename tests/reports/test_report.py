"""`waymark report` on the example road map: an HTML file and a PDF that carry every outcome's
number and status, rendered page by page, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from commands.presentation.formatting import with_unit
from tests.cli.test_cli import database_url, waymark
from tests.conftest import IN_CI

__all__ = ["database_url"]

AS_OF = "2026-11-26"
STATUS_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
                "no_data": "No data"}  # fmt: skip


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if IN_CI:
            pytest.fail(f"CI must check the PDF's pages, but {tool} (poppler-utils) is missing")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return found


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def flattened(text: str) -> str:
    return " ".join(text.split())


def test_the_report_on_the_example_road_map_carries_every_outcome(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdftoppm, pdftotext, pdfinfo = poppler("pdftoppm"), poppler("pdftotext"), poppler("pdfinfo")
    waymark(capsys, "init")
    out = tmp_path / "out"

    code, said, err = waymark(capsys, "report", "--as-of", AS_OF, "--out", str(out))

    assert (code, err) == (0, "")
    html = out / f"progress-report-{AS_OF}.html"
    pdf = out / f"progress-report-{AS_OF}.pdf"
    assert said.splitlines() == [f"Wrote {html}.", f"Wrote {pdf}."]
    page = html.read_text()
    # Self-contained: no stylesheet, script or image to fetch.
    assert not re.search(r"<(link|script|img)\b|src=|url\((?!#)|href=\"(?!#|https://)", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # charts' own ids too: each names one element
    assert page.count('role="img"') == 41  # the summary chart and one per outcome
    info = run(pdfinfo, str(pdf))
    assert "Tagged:          yes" in info
    assert "A4" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    run(pdftoppm, "-r", "30", "-png", str(pdf), str(tmp_path / "page"))
    assert len(list(tmp_path.glob("page-*.png"))) == pages
    text = flattened(run(pdftotext, "-layout", str(pdf), "-"))
    assert f"Page 1 of {pages}" in text
    assert "Contents Summary" in text
    assert "Where more work is required" in text
    assert "How the status is worked out" in text
    # A success that is still behind its path says so; more work required shows the working.
    still_behind = r"Outcome 12: [^•]{0,200}? better than [^•]{0,40}, though still off track\."
    assert re.search(still_behind, text)
    assert re.search(r"Why: \S+ reading .{0,40} against an expected ", text)

    # Every outcome's heading with its status, and its latest approved figure.
    code, listed, _ = waymark(capsys, "list", "--json", "--at", AS_OF)
    approved_only = 0
    for outcome in json.loads(listed):
        heading = f"{outcome['number']}. {outcome['title']}"
        assert heading in text, heading
        latest = outcome["latest"]
        if latest is None or latest["state"] == "approved":
            approved_only += 1
            assert f"{heading} {STATUS_WORDS[outcome['status']]}" in text, heading
        if latest is not None and latest["state"] == "approved":
            figure = with_unit(latest["value"], outcome["unit"])
            assert f"Latest reading {figure} for {latest['period']}" in text, heading
    assert approved_only > 30  # the example's few provisional readings aside
