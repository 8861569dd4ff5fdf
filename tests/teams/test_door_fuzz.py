"""Property-based fuzzing of waymark's real Teams door (`POST /api/messages`, as `waymark serve`
and the playground serve it): activities of every kind Teams sends, each with parts missing or
replaced by anything JSON can hold, never get a 5xx, never log an error, and an activity that
is not answered with a 2xx changes nothing in the database.

Teams runs here as a local trial (anonymous, loopback), so that every activity reaches
waymark's own handling rather than stopping at the token check (`test_door.py` checks that).
Hypothesis drives a synchronous test, so the server runs in a thread with its own event loop;
activities go over real HTTP. Deterministic (`derandomize=True`) and bounded, so CI stays fast;
raise FUZZ_EXAMPLES to look harder locally."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.db import Database
from tests.served_in_thread import ServedInThread, fuzz_database, post, row_counts
from tests.teams import activities as make
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MESSAGES_PATH = "/api/messages"

# Words people type, and words nobody should: commands, readings, nonsense.
TEXTS = st.one_of(
    st.sampled_from(
        [
            "help", "hello", "outcome 12", "outcome 12 history", "outcome list page 2",
            "outcome 12 assign economy", "outcome twelve", "overdue", "mine", "12.5",
            "36 2025/26", "about 40ish", "outcome 99999999999999999999", "outcome -1",
            "outcome 12 share", "outcome report", "plans", "<at>waymark</at>", "",
        ]
    ),
    st.text(max_size=30),
)  # fmt: skip
IDS = st.sampled_from(
    ["", "x", make.GENERAL, make.CHILDREN, make.LEAD.id, make.ADMIN.aad, "1800000000001", "29:"]
)
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | IDS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
PEOPLE = st.sampled_from([make.LEAD, make.ADMIN, make.OUTSIDER])
CARD_DATA = st.fixed_dictionaries(
    {},
    optional={
        "action": st.one_of(
            st.sampled_from(["submit_reading", "approve_reading", "snooze", "other"]), JUNK
        ),
        "outcome": st.one_of(st.sampled_from(["12", 12, "99999", "twelve"]), JUNK),
        "period": st.one_of(st.sampled_from(["2025/26", "2026-Q2", "2040", "soon"]), JUNK),
        "value": st.one_of(st.sampled_from(["36", "1e309", "NaN", "-0", "²"]), JUNK),
        "note": st.one_of(st.text(max_size=20), JUNK),
    },
)
# Where Teams nests what waymark reads: each may be missing, or anything at all.
NESTED = ("conversation", "from", "channelData", "value", "entities", "recipient")


@st.composite
def activities(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    """One activity of a kind Teams sends, then damaged: keys dropped, values replaced."""
    person = draw(PEOPLE)
    channel = draw(st.sampled_from([make.GENERAL, make.CHILDREN]))
    kind = draw(
        st.sampled_from(["channel", "reply", "personal", "card", "edit", "delete", "install"])
    )
    if kind in {"channel", "reply", "edit", "delete"}:
        thread = draw(st.sampled_from(["1800000000001", "x"])) if kind == "reply" else None
        activity = make.channel_message(
            service_url, draw(TEXTS), person=person, channel=channel, thread=thread,
            mention=draw(st.booleans()),
        )  # fmt: skip
        if kind == "edit":
            activity = make.edited_message(activity, draw(TEXTS))
        elif kind == "delete":
            activity = make.deleted_message(activity)
    elif kind == "personal":
        activity = make.personal_message(service_url, draw(TEXTS), person=person)
    elif kind == "card":
        activity = make.card_submit(
            service_url, draw(CARD_DATA), card_id=draw(IDS), channel=channel, person=person
        )
    else:
        activity = draw(st.sampled_from([make.installed_in_team, make.removed_from_team]))(
            service_url, person=person
        )
    if not draw(st.booleans()):
        return activity  # whole, with only its words and people drawn: it reaches the handlers
    for key in draw(st.lists(st.sampled_from(sorted(activity)), max_size=3, unique=True)):
        if key == "serviceUrl":
            continue  # another serviceUrl is refused at the door (403), which test_door checks
        if draw(st.booleans()):
            del activity[key]
        else:
            activity[key] = draw(JUNK)
    for key in draw(st.lists(st.sampled_from(NESTED), max_size=2, unique=True)):
        inner = activity.get(key)
        if isinstance(inner, dict) and inner:
            name = draw(st.sampled_from(sorted(inner)))
            inner[name] = draw(JUNK)
        else:
            activity[key] = draw(JUNK)
    return activity


class Errors(logging.Handler):
    """Every record logged at ERROR or above, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@asynccontextmanager
async def _teams_door(url: str, roadmap: Path) -> AsyncIterator[TeamsHarness]:
    db = Database(url)
    try:
        await load_mixed_roadmap(db, roadmap, NOW, ZoneInfo("Europe/London"))
        async with teams_harness(db, NOW) as harness:
            yield harness
    finally:
        await db.dispose()


class Door:
    """waymark's Teams door served from a thread with its own event loop."""

    def __init__(self, served: ServedInThread[TeamsHarness]) -> None:
        self.served = served

    @property
    def service_url(self) -> str:
        return self.served.harness.service_url

    def rows(self) -> dict[str, int]:
        """How many rows each table holds: any change shows."""

        async def count(harness: TeamsHarness) -> dict[str, int]:
            await harness.settle()
            return await row_counts(harness.db)

        return self.served.run(count)

    def post(self, activity: dict[str, Any]) -> int:
        body = json.dumps(activity).encode()
        url = self.served.harness.url + MESSAGES_PATH
        status = post(url, body, {"Content-Type": "application/json"})

        async def settled(harness: TeamsHarness) -> None:
            await harness.settle()

        self.served.run(settled)  # what the activity set going (posts, confirmations) finished
        return status


@pytest.fixture(params=["sqlite", "postgresql"])
def door(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Door]:
    url = fuzz_database(request, tmp_path)
    with ServedInThread(lambda: _teams_door(url, tmp_path / "roadmap")) as served:
        yield Door(served)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def test_damaged_activities_never_fail_the_door_nor_change_what_they_should_not(
    door: Door, errors: Errors
) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        activity = data.draw(activities(door.service_url))
        before = door.rows()
        status = door.post(activity)
        assert status < 500, f"{status} for {json.dumps(activity)[:600]}"
        logged = [r.getMessage() for r in errors.records]
        assert logged == [], f"logged {logged[:2]} for {json.dumps(activity)[:600]}"
        if not 200 <= status < 300:
            assert door.rows() == before, f"{status} changed rows: {json.dumps(activity)[:600]}"

    check()
