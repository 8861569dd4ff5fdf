"""`waymark people export` and `waymark people forget` as an administrator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from commands.people.forgetting import pseudonym_for
from storage.db import Database
from tests.conftest import _in_thread
from tests.operations.history import ADMIN, LEAVER, build_history

KEY = "another-secret"


async def _lived_in(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
        await build_history(db)
    finally:
        await db.dispose()


@pytest.fixture
def lived_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'waymark.db'}"
    _in_thread(_lived_in(url))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.mark.usefixtures("lived_in")
def test_export_then_forget_then_export_again(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["people", "export", LEAVER]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["user_id"] == LEAVER
    assert record["rows"] > 10

    forget = ["people", "forget", LEAVER, "--by", ADMIN, "--reason", "left the partnership"]
    assert main(forget) == 1
    assert capsys.readouterr().err.startswith("WAYMARK_PSEUDONYM_KEY is not set.")

    monkeypatch.setenv("WAYMARK_PSEUDONYM_KEY", KEY)
    assert main(forget) == 0
    out = capsys.readouterr().out
    pseudonym = pseudonym_for(LEAVER, KEY)
    assert out.startswith(f"{LEAVER} is now {pseudonym} everywhere waymark holds them (rows ")
    assert "readings " in out

    assert main(["people", "export", LEAVER]) == 0
    assert json.loads(capsys.readouterr().out)["tables"] == {}
    assert main(["people", "export", pseudonym]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == record["rows"] + 1  # and the erasure


@pytest.mark.usefixtures("lived_in")
def test_forget_needs_who_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["people", "forget", LEAVER, "--reason", "left"])
    assert "the following arguments are required: --by" in capsys.readouterr().err
