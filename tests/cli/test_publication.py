"""`waymark submit`, `approve`, `comment` and `lock` as an operator drives them: the guards on
published figures from the command line, with options in place of questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import database_url, waymark
from tests.factories import write_roadmap

__all__ = ["database_url"]  # the fixture, shared with test_cli


@pytest.fixture
def roadmap(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WAYMARK_ADMINS", "U0ADMIN")
    code, _, err = waymark(
        capsys, "roadmap", "import", str(write_roadmap(tmp_path / "map")), "--by", "U0ADMIN"
    )
    assert code == 0, err


def latest(capsys: pytest.CaptureFixture[str], number: int) -> dict[str, object]:
    code, out, _ = waymark(capsys, "status", str(number), "--json", "--at", "2026-11-26")
    assert code == 0
    found = json.loads(out)["latest"]
    assert isinstance(found, dict)
    return found


@pytest.mark.usefixtures("roadmap")
def test_a_figure_is_submitted_commented_and_approved(capsys: pytest.CaptureFixture[str]) -> None:
    submit = ["submit", "12", "33", "--period", "2025/26", "--by", "U0CHILDLEAD"]
    code, _, err = waymark(capsys, *submit)
    assert code == 1
    assert "33% for 2025/26 is off track (the path expects 30%): add --note" in err
    assert "Nothing was recorded." in err
    code, out, _ = waymark(capsys, *submit, "--note", "Benefit checks in schools")
    assert code == 0
    assert "It is provisional until an approver approves it (waymark approve)." in out
    assert latest(capsys, 12)["state"] == "provisional"

    code, _, err = waymark(capsys, "approve", "12", "2025/26", "--by", "U0CHILDLEAD")
    assert code == 1
    assert (
        "You submitted outcome 12's 2025/26 reading (33%), so someone else must approve it" in err
    )
    assert "@{" not in err  # people are named by their ids on a terminal

    comment = ["comment", "12", "2025/26", "Benefit checks in every school", "--by", "U0CHILDLEAD"]
    code, out, _ = waymark(capsys, *comment)
    assert code == 0
    assert "It replaces “Benefit checks in schools”." in out
    code, out, _ = waymark(capsys, "approve", "12", "2025/26", "--by", "U0ADMIN")
    assert code == 0
    assert out.startswith("Approved outcome 12's 2025/26 reading (33%) (submitted by U0CHILDLEAD)")
    found = latest(capsys, 12)
    assert (found["state"], found["approved_by"], found["note"]) == (
        "approved",
        "U0ADMIN",
        "Benefit checks in every school",
    )


@pytest.mark.usefixtures("roadmap")
def test_a_figure_ten_times_the_last_needs_confirm(capsys: pytest.CaptureFixture[str]) -> None:
    by = ["--by", "U0ECONLEAD1"]
    code, _, _ = waymark(capsys, "submit", "20", "95000", "--period", "2024", *by)
    assert code == 0
    submit = ["submit", "20", "950000", "--period", "2025", *by]
    code, _, err = waymark(capsys, *submit)
    assert code == 1
    assert err.strip() == (
        "You wrote 950,000 — ten times the last reading, 95,000 (2024). Run it again with "
        "--confirm to keep it, or give the right figure. Nothing was recorded."
    )
    assert latest(capsys, 20)["period"] == "2024"
    code, out, _ = waymark(capsys, *submit, "--confirm")
    assert code == 0
    assert "Recorded outcome 20 (Jobs in the town), 2025: 950,000." in out
    assert latest(capsys, 20)["value"] == 950000.0


@pytest.mark.usefixtures("roadmap")
def test_a_locked_period_is_revised_only_by_an_administrator_with_a_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lock = ["lock", "--through", "2025-03-31", "--reason", "Published in the 2025 report"]
    code, _, err = waymark(capsys, *lock, "--by", "U0CHILDLEAD")
    assert code == 1
    assert "Only administrators can lock periods, and U0CHILDLEAD is not one." in err
    code, out, _ = waymark(capsys, *lock, "--by", "U0ADMIN")
    assert code == 0
    assert out.startswith(
        "Locked every reading whose period ends on or before Mon 31 Mar 2025 (Published in the "
        "2025 report)."
    )

    submit = ["submit", "12", "35", "--period", "2024/25", "--note", "DWP revision"]
    code, _, err = waymark(capsys, *submit, "--by", "U0CHILDLEAD")
    assert code == 1
    assert (
        "2024/25 is locked: U0ADMIN locked every period ending on or before Mon 31 Mar 2025" in err
    )
    assert "Only an administrator can revise it now, giving a reason" in err
    code, _, err = waymark(capsys, *submit, "--by", "U0ADMIN")
    assert code == 1
    assert "To revise it, add --reason TEXT." in err
    code, out, _ = waymark(capsys, *submit, "--by", "U0ADMIN", "--reason", "DWP revised it")
    assert code == 0
    assert "Marked as revised after publication: DWP revised it." in out
    found = latest(capsys, 12)
    assert (found["value"], found["revised_after_publication"]) == (35.0, True)
