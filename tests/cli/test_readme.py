"""README's worked example is what `waymark status` prints on the shipped example road map.

A councillor checks the arithmetic by following README, so its figures must be the example's.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from playground.page import STATIC_DIR as STATIC
from playground.standin import APP_TOKEN, BOT_TOKEN

README = Path(__file__).resolve().parents[2] / "README.md"
# Any day after the example's last reading for outcome 12 and before its next one is due.
TODAY = "2026-11-27"


def worked_example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Worked example")
    return text[start : text.index("\n## ", start)]


def flattened(text: str) -> str:
    return " ".join(text.split())


def waymark(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


@pytest.fixture
def example_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'example.db'}")
    assert main(["init"]) == 0


def test_readme_quotes_the_working_that_its_command_prints(
    example_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    section = flattened(worked_example())
    command, quoted = re.findall(
        r"`(waymark status \d+)` prints the same working: \*\"(.+?)\"\*", section
    )[0]
    printed = waymark(capsys, [*shlex.split(command)[1:], "--at", TODAY])
    [status_line] = [line for line in printed.splitlines() if line.strip().startswith("Status:")]
    assert quoted in flattened(status_line)


def test_readme_figures_are_the_example_outcomes(
    example_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    section = flattened(worked_example())
    number = re.search(r"Outcome (\d+) of the example road map", section)
    assert number is not None
    status = json.loads(waymark(capsys, ["status", number[1], "--json", "--at", TODAY]))
    latest, previous = status["latest"], status["previous"]
    assert f"The latest reading, for {latest['period']}, is {latest['value']:g}%" in section
    assert f"shown as **{status['expected']:.2f}%**" in section
    assert f"for {previous['period']}, was {previous['value']:g}%" in section
    assert f"direction is **{status['direction']}**" in section
    assert f"the status is **{status['status'].replace('_', ' ')}**" in section
    due = date.fromisoformat(status["due"]["due_date"])
    assert f"**{due.day} {due:%B %Y}**, its due date" in section
    assert f"{status['due']['period']} ends on" in section


def test_readme_says_how_to_open_a_thread_with_the_pages_own_words() -> None:
    text = flattened(README.read_text(encoding="utf-8"))
    page = (STATIC / "app.js").read_text(encoding="utf-8")
    assert 'text: "Reply in thread"' in page
    assert "Every message has **Reply in thread** under it" in text
    assert "the thread opens in a pane on the right" in text


def test_readme_tries_socket_mode_with_the_stand_ins_own_tokens() -> None:
    text = flattened(README.read_text(encoding="utf-8"))
    assert (
        f"`SLACK_BOT_TOKEN={BOT_TOKEN} SLACK_APP_TOKEN={APP_TOKEN} "
        "SLACK_API_URL=http://127.0.0.1:3100/api/ waymark serve --port 3101`"
    ) in text
    assert "`python -m playground.standin --port 3100`" in text
