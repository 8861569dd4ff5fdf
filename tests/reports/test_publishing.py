"""`waymark report publish`: what was published is stored and made again byte for byte,
whatever changes later; its periods are locked; `report list` says who published what.

One group's report (three outcomes), not the whole road map's (forty): the same code makes
both, in a fraction of the time; test_report.py renders the whole one."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.reports.building import PdfMaker
from commands.reports.publishing import publish_report
from storage.db import Database
from tests.cli.test_cli import database_url, waymark
from tests.factories import load_roadmap

__all__ = ["database_url"]

ADMIN = "U0ADMIN0001"  # the example's performance officer, named in its people.csv
LEAD = "U0HETLEAD01"  # a lead of the group below
GROUP = "health-equality"  # outcomes 1 to 3
TITLE = "Road map progress report: Health Equality Town Partnership, 30 September 2026"


def test_publishing_twice_gives_the_same_bytes_whatever_changed(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAYMARK_ADMINS", ADMIN)
    waymark(capsys, "init")
    first, again = tmp_path / "first", tmp_path / "again"
    name = f"progress-report-2026-09-30-{GROUP}"

    code, out, _ = waymark(capsys, "report", "publish", "--as-of", "2026-09-30", "--by", ADMIN,
                           "--group", GROUP, "--out", str(first))  # fmt: skip
    assert code == 0
    assert out.startswith(f"Published {TITLE}. Locked the readings of the 3 outcomes of ")

    # England's figure for outcome 1 changes after publication.
    changed = tmp_path / "comparators.csv"
    changed.write_text("outcome,period,area,value,source\n1,2021-23,England,77.7,revised\n")
    assert waymark(capsys, "comparators", "import", str(changed))[0] == 0

    code, out, _ = waymark(capsys, "report", "publish", "--as-of", "2026-09-30", "--by", ADMIN,
                           "--group", GROUP, "--out", str(again))  # fmt: skip
    assert code == 0
    assert "was published on" in out
    assert "by Joanne Clarke: made again from what it showed then" in out
    for suffix in (".pdf", ".html"):
        assert (again / f"{name}{suffix}").read_bytes() == (first / f"{name}{suffix}").read_bytes()
    assert "England 79.1 years (2021-23)" in (again / f"{name}.html").read_text()

    code, out, _ = waymark(capsys, "report", "list")
    assert len(out.splitlines()) == 1
    assert out.startswith(f"2026-09-30  {TITLE}  (published ")
    assert out.rstrip().endswith(
        "by Joanne Clarke; locked the readings of the 3 outcomes of Health Equality Town "
        "Partnership)"
    )

    # The periods it reported are locked: a lead cannot change one now.
    code, _, err = waymark(capsys, "submit", "1", "78.3", "--period", "2022-24", "--by",
                           "U0HETLEAD01")  # fmt: skip
    assert code == 1
    assert "locked" in err


def test_only_an_administrator_publishes(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAYMARK_ADMINS", ADMIN)
    waymark(capsys, "init")
    code, _, err = waymark(capsys, "report", "publish", "--as-of", "2026-09-30", "--by",
                           "U0HWBLEAD01", "--out", str(tmp_path))  # fmt: skip
    assert code == 1
    assert "Only administrators can lock periods" in err
    assert waymark(capsys, "report", "list")[1].startswith("No report has been published yet")


async def test_a_report_made_again_is_the_pdf_that_was_published_whatever_draws_it_now(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    """Even when waymark itself now draws reports differently (a newer version: played here by
    a PDF maker that draws other bytes), the published report is made again as it was."""
    await load_roadmap(db, tmp_path / "map", now, tz)
    as_of = date(2026, 9, 30)

    def drawn_by(version: bytes) -> PdfMaker:
        return lambda html: version + hashlib.sha256(html.encode()).digest()

    async with db.transaction() as session:
        first = await publish_report(
            session, as_of=as_of, by="U0ADMIN", now=now, tz=tz, make_pdf=drawn_by(b"v1"),
            admins={"U0ADMIN"}, group="economy",
        )  # fmt: skip
    async with db.transaction() as session:
        again = await publish_report(
            session, as_of=as_of, by="U0ADMIN", now=now, tz=tz, make_pdf=drawn_by(b"v2"),
            admins={"U0ADMIN"}, group="economy",
        )  # fmt: skip
    assert first.new
    assert not again.new
    assert first.made.pdf is not None
    assert first.made.pdf.startswith(b"v1")
    assert again.made.pdf == first.made.pdf
    assert again.made.html == first.made.html


def test_a_figure_given_after_the_reports_date_is_named_not_left_out_in_silence(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A report as of 30 September shows what was known then: outcome 1's 2022-24 figure,
    # corrected on 20 October, is not in it, yet publishing locks its period. The draft and
    # the publication say so, rather than leave the executive reading the old figure unawares.
    monkeypatch.setenv("WAYMARK_ADMINS", ADMIN)
    waymark(capsys, "init")
    code, _, err = waymark(capsys, "submit", "1", "78.3", "--period", "2022-24", "--by", LEAD,
                           "--note", "ONS revised", "--confirm",
                           "--at", "2026-10-20T10:00")  # fmt: skip
    assert code == 0, err
    code, _, err = waymark(capsys, "approve", "1", "2022-24", "--by", ADMIN)
    assert code == 0, err
    named = (
        "Not in this report: 1 reading given after Wed 30 Sep 2026 for periods it covers, as it "
        "shows what was known by the end of that day: outcome 1, 2022-24, 78.3 years, given Tue "
        "20 Oct 2026."
    )

    code, out, _ = waymark(capsys, "report", "--as-of", "2026-09-30", "--group", GROUP,
                           "--out", str(tmp_path / "draft"))  # fmt: skip
    assert code == 0
    assert out.splitlines()[-1] == f"{named} A report as of a later date shows it."

    code, out, _ = waymark(capsys, "report", "publish", "--as-of", "2026-09-30", "--by", ADMIN,
                           "--group", GROUP, "--out", str(tmp_path / "published"))  # fmt: skip
    assert code == 0
    assert f"{named} Publishing locked it too. A report as of a later date shows it." in (
        out.splitlines()
    )

    code, out, _ = waymark(capsys, "report", "--as-of", "2026-10-31", "--group", GROUP,
                           "--out", str(tmp_path / "later"))  # fmt: skip
    assert code == 0
    assert "Not in this report" not in out
    assert (
        "78.3 years"
        in (tmp_path / "later" / f"progress-report-2026-10-31-{GROUP}.html").read_text()
    )
