"""`waymark people export` and `waymark people forget` as an administrator runs them."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from commands.people.forgetting import pseudonym_for
from tests.operations.history import ADMIN, LEAVER

KEY = "another-secret"


@pytest.fixture
def lived_in(lived_in_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", lived_in_url)
    return lived_in_url


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
