"""`waymark db copy` as an operator runs it: what it prints, and its exit status."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.progress import ProgressBar
from storage.db import Database
from tests.conftest import _in_thread


async def _migrated(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.dispose()


@pytest.fixture
def source(lived_in_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", lived_in_url)
    return lived_in_url


def test_copy_prints_each_table_checked_and_refuses_to_copy_twice(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    assert main(["db", "copy", "--to", target]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Copying {source} to {target}.\n")
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert lines["readings"][1:3] == ["228", "228"]
    assert lines["readings"][-1] == "ok"
    assert lines["audit_log"][3] == lines["audit_log"][4]
    assert "every count and checksum matches" in out
    assert err == ""  # not a terminal: no progress bar

    assert main(["db", "copy", "--to", target]) == 1
    out, err = capsys.readouterr()
    assert "already holds rows (in areas, audit_log, changes, chat_people" in err
    assert "Nothing was copied." in err


def test_a_backup_file_is_restored_with_from(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["db", "copy", "--from", source, "--to", target]) == 0
    assert "every count and checksum matches" in capsys.readouterr().out
    assert not (tmp_path / "elsewhere.db").exists()


def test_a_copy_that_comes_out_different_fails_and_says_where(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A target that loses part of what it is given (as a column too short would).
    lossy = tmp_path / "lossy.db"
    _in_thread(_migrated(f"sqlite:///{lossy}"))
    with sqlite3.connect(lossy) as conn:
        conn.execute(
            "CREATE TRIGGER lossy AFTER INSERT ON readings "
            "BEGIN UPDATE readings SET note = '' WHERE id = NEW.id; END"
        )
    assert main(["db", "copy", "--to", f"sqlite:///{lossy}"]) == 1
    out = capsys.readouterr().out
    readings = next(line for line in out.splitlines() if line.startswith("readings"))
    assert readings.split()[1:3] == ["228", "228"]
    assert readings.endswith("DIFFERENT")
    assert "The copy differs from the original in readings: do not use it." in out


def test_a_source_that_is_not_there_or_is_the_target_is_refused(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    assert main(["db", "copy", "--from", f"sqlite:///{missing}", "--to", source]) == 1
    assert capsys.readouterr().err.startswith(f"There is no database at {missing} to copy from")
    assert not missing.exists()
    same = "sqlite:///" + os.path.relpath(source.removeprefix("sqlite:///"))
    assert main(["db", "copy", "--to", same]) == 1
    assert "The target is the database you are copying from" in capsys.readouterr().err


def test_a_database_url_that_is_not_one_is_named(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "copy", "--to", "mysql://localhost/waymark"]) == 1
    assert "'mysql' databases are not supported" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only() -> None:
    shown, piped = Terminal(), io.StringIO()
    for stream in (shown, piped):
        bar = ProgressBar(stream)
        bar("readings", 0, 4)
        bar("readings", 2, 4)
        bar("readings", 4, 4)
    assert piped.getvalue() == ""
    assert shown.getvalue().split("\r")[1:] == [
        "readings                 [..............................] 0/4",
        "readings                 [###############...............] 2/4",
        "readings                 [##############################] 4/4\n",
    ]
