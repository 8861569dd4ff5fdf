"""Publishing one area's or group's report locks only the periods it reports (issue 14): the
other outcomes' figures for the same periods stay open to their leads, in chat and in files;
`waymark lock` (the whole road map) still locks every outcome."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from commands.delivery.reply_codec import decode
from commands.presentation.replies import Section
from commands.reports.publishing import publish_report
from config.targets import Target
from storage.db import Database
from storage.models import AuditEntry, OutboxMessage
from storage.repositories import LockRepository, RoadmapRepository
from tests.cli.test_cli import database_url, waymark
from tests.factories import load_roadmap

__all__ = ["database_url"]

ADMIN = "U0ADMIN0001"  # the example's performance officer
HEADER = "outcome,period,value,submitted_by,submitted_at,note"


def _publish(capsys: pytest.CaptureFixture[str], out: Path, *scope: str) -> str:
    code, said, err = waymark(capsys, "report", "publish", "--as-of", "2026-09-30", "--by",
                              ADMIN, *scope, "--out", str(out))  # fmt: skip
    assert code == 0, err
    return said


def test_an_areas_report_locks_only_that_areas_readings(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAYMARK_ADMINS", ADMIN)
    waymark(capsys, "init")
    out = _publish(capsys, tmp_path, "--area", "Net zero")
    assert (
        "Locked the readings of the 8 outcomes of Net zero whose period ends on or before "
        "Wed 30 Sep 2026 (Published in the progress report for Net zero as of 2026-09-30)."
    ) in out
    assert "Every reading" not in out

    # Population wellbeing's lead still corrects 2024, a period the report's date covers.
    code, out, err = waymark(capsys, "submit", "5", "15.9", "--period", "2024", "--note",
                             "ONS revision", "--confirm", "--by", "U0HWBLEAD01")  # fmt: skip
    assert code == 0, err
    assert "Recorded outcome 5" in out

    # Net zero's lead cannot: the refusal says which publication locked it.
    code, _, err = waymark(capsys, "submit", "33", "780", "--period", "2024", "--note",
                           "DESNZ estimate", "--by", "U0NZPLEAD01")  # fmt: skip
    assert code == 1
    assert "2024 is locked" in err
    assert "Published in the progress report for Net zero as of 2026-09-30" in err
    assert "Only an administrator can revise it now" in err

    code, out, _ = waymark(capsys, "report", "list")
    assert code == 0
    assert "locked the readings of the 8 outcomes of Net zero)" in out


def test_a_groups_report_refuses_only_its_rows_in_a_file_and_lock_still_locks_all(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAYMARK_ADMINS", ADMIN)
    waymark(capsys, "init")
    out = _publish(capsys, tmp_path, "--group", "health-equality")  # outcomes 1 to 3
    assert "Locked the readings of the 3 outcomes of Health Equality Town Partnership " in out

    both = tmp_path / "both.csv"
    both.write_text(
        f"{HEADER}\n"
        "5,2024,15.9,U0HWBLEAD01,,ONS revision\n"  # another group's outcome: open
        "1,2022-24,78.3,U0HETLEAD01,,ONS revision\n"  # the published group's: locked
    )
    code, _, err = waymark(capsys, "readings", "import", str(both), "--by", ADMIN)
    assert code == 1
    problems = [line for line in err.splitlines() if "both.csv, row" in line]
    assert len(problems) == 1
    assert problems[0].startswith("both.csv, row 3, column period: 2022-24 is locked")
    assert "Health Equality Town Partnership" in problems[0]

    open_row = tmp_path / "open.csv"
    open_row.write_text(f"{HEADER}\n5,2024,15.9,U0HWBLEAD01,,ONS revision\n")
    code, out, err = waymark(capsys, "readings", "import", str(open_row), "--by", ADMIN)
    assert code == 0, err

    # Locking the whole road map locks every outcome, the other group's too.
    code, out, _ = waymark(capsys, "lock", "--through", "2026-09-30", "--by", ADMIN,
                           "--reason", "Published in the annual report")  # fmt: skip
    assert code == 0
    assert out.startswith("Locked every reading whose period ends on or before Wed 30 Sep 2026")
    code, _, err = waymark(capsys, "submit", "5", "15.8", "--period", "2024", "--note",
                           "ONS revision", "--confirm", "--by", "U0HWBLEAD01")  # fmt: skip
    assert code == 1
    assert "2024 is locked" in err
    assert "locked every period ending on or before Wed 30 Sep 2026" in err


async def test_a_groups_lock_covers_its_outcomes_and_its_announcement_says_so(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path / "map", now, tz)  # economy owns outcome 20 alone
    async with db.transaction() as session:
        await publish_report(
            session, as_of=date(2026, 9, 30), by="U0ADMIN", now=now, tz=tz, make_pdf=None,
            admins={"U0ADMIN"}, group="economy", announce_to=Target("slack", "C0PROGRAMME"),
        )  # fmt: skip
    async with db.reading() as session:
        ids = {o.number: o.id for o in await RoadmapRepository(session).outcomes()}
        locks = LockRepository(session)
        assert await locks.covering(date(2025, 12, 31), ids[20]) is not None  # 2025
        assert await locks.covering(date(2025, 3, 31), ids[12]) is None  # 2024/25: children's
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "periods.locked")
        )
        assert entry.after is not None
        assert entry.after["outcomes"] == [ids[20]]
        [message] = await session.scalars(select(OutboxMessage))
    words = " ".join(b.text for b in decode(message.payload).blocks if isinstance(b, Section))
    assert "The readings it reports, for periods ending by then, are now locked." in words
