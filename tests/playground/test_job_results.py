"""What the playground page says after "Run reminders now" and "Run digest now": people's words,
channels by name, what to press rather than command-line flags, and nothing untrue about why."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.server import Running
from bot.wiring import start_playground
from config.settings import Settings
from scheduler.jobs import tick

# Monday 23 November 2026, 10:30 in London: a working morning, so reminders are due.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
DIGEST = "C0DIGEST001"


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[tuple[Running, str]]:
    running = await start_playground(
        Settings.model_validate({}),
        host="127.0.0.1",
        port=0,
        database_url=f"sqlite:///{tmp_path / 'playground.db'}",
        clock=lambda: MONDAY_MORNING,
        tick=False,
    )
    try:
        yield running, f"http://127.0.0.1:{running.port}"
    finally:
        await running.stop()


async def press(url: str, job: str, as_of: str | None = None) -> str:
    body = {"as_of": as_of} if as_of else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/ui/run/{job}", json=body) as response,
    ):
        answer = await response.json()
    assert answer["ok"], answer
    summary: str = answer["summary"]
    return summary


async def channel_words(url: str, channel: str) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/ui/state", params={"channel": channel}) as response,
    ):
        state: dict[str, Any] = await response.json()
    return json.dumps(state["messages"])


def assert_in_peoples_words(summary: str) -> None:
    assert "--force" not in summary
    assert "not running" not in summary
    assert not any(word.startswith(("C0", "G0")) for word in summary.replace(",", " ").split())


async def test_reminders_are_reported_to_channels_by_name(
    playground: tuple[Running, str],
) -> None:
    _, url = playground
    summary = await press(url, "reminders")
    assert (
        "Posted: reminder to Health and Wellbeing Board: outcome 7 (2025/26), to "
        "#health-wellbeing." in summary
    )
    assert "to #roadmap-programme." in summary
    assert_in_peoples_words(summary)


async def test_the_first_press_says_the_reminders_were_posted_at_start_up(
    playground: tuple[Running, str],
) -> None:
    running, url = playground
    assert running.jobs is not None
    await tick(running.jobs, MONDAY_MORNING)  # the pass the clock makes as the playground starts
    summary = await press(url, "reminders")
    assert summary.startswith("No reminders are due now: the 6 reminders that were due were ")
    assert "posted when the playground started, in the groups' channels" in summary
    assert_in_peoples_words(summary)
    # Pressed again, it is only that nothing is due.
    again = await press(url, "reminders")
    assert again.startswith("No reminders to post at Mon 23 Nov 2026, 10:30")


async def test_a_digest_posted_already_says_what_to_press_not_which_flag(
    playground: tuple[Running, str],
) -> None:
    running, url = playground
    assert running.jobs is not None
    await tick(running.jobs, MONDAY_MORNING)
    summary = await press(url, "digest")
    assert summary.startswith(
        "The digest for the week of Mon 23 Nov 2026 to #roadmap-digest was posted already"
    )
    assert "pick a day in that week in 'As if it were' and press Run digest now" in summary
    assert_in_peoples_words(summary)


async def test_a_digest_as_if_another_time_does_not_say_waymark_was_down(
    playground: tuple[Running, str],
) -> None:
    _, url = playground
    await press(url, "digest")  # this week's, on time
    # Wednesday of the week after next: late for its Monday, and a week missed before it.
    later = await press(url, "digest", "2026-12-09T10:00")
    assert later == "Posted: digest for the week of Mon 7 Dec 2026 (late), to #roadmap-digest."
    posted = await channel_words(url, DIGEST)
    assert "This digest is late: it was due on Mon 7 Dec 2026 at 09:00." in posted
    assert "not running" not in posted
    # The week in between was skipped, which is all that can be said of it.
    between = await press(url, "digest", "2026-12-01T10:00")
    assert "was skipped: it was not posted that week" in between
    assert_in_peoples_words(between)
