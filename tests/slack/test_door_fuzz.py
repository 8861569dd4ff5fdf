"""Property-based fuzzing of waymark's real Slack door (`POST /slack/events`, as bot/server.py
serves it): arbitrary signed and unsigned bodies, headers and event shapes never get a 5xx,
never log a traceback, and a request that is not answered 200 changes nothing in the database.

Hypothesis drives a synchronous test, so the server runs in a thread of its own with its own
event loop; requests go over real HTTP. Deterministic (`derandomize=True`) and bounded, so CI
stays fast; raise FUZZ_EXAMPLES to look harder locally."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.delivery import signature
from storage.db import Database
from tests.factories import load_roadmap
from tests.served_in_thread import ServedInThread, fuzz_database, post, row_counts
from tests.slack.harness import SECRET, SlackHarness, slack_harness

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
IDS = st.sampled_from(["U0CHILDLEAD", "U0ADMIN", "C0CHILDREN1", "1795808451.650230", "", "x"])


@asynccontextmanager
async def _slack_door(url: str, roadmap: Path) -> AsyncIterator[SlackHarness]:
    db = Database(url)
    await load_roadmap(db, roadmap, NOW, ZoneInfo("Europe/London"))
    await db.dispose()
    async with slack_harness(url, NOW) as harness:
        yield harness
        await harness.settle()


class Door:
    """waymark's Slack app served from a thread with its own event loop."""

    def __init__(self, served: ServedInThread[SlackHarness]) -> None:
        self.served = served

    def rows(self) -> dict[str, int]:
        """How many rows each table holds: any change shows."""

        async def count(harness: SlackHarness) -> dict[str, int]:
            await harness.settle()
            return await row_counts(harness.running.db)

        return self.served.run(count)

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        return post(self.served.harness.events_url, body, headers)


@pytest.fixture(params=["sqlite", "postgresql"])
def door(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Door]:
    url = fuzz_database(request, tmp_path)
    with ServedInThread(lambda: _slack_door(url, tmp_path / "roadmap")) as served:
        yield Door(served)


# Anything JSON can hold, in the places Slack puts ids, text and objects.
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | IDS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(value, JUNK)


MESSAGE = st.fixed_dictionaries(
    {"type": st.just("message")},
    optional={
        "channel": maybe(IDS),
        "user": maybe(IDS),
        "ts": maybe(IDS),
        "thread_ts": maybe(IDS),
        "text": maybe(st.text(max_size=20)),
        "subtype": maybe(st.sampled_from(["message_changed", "message_deleted", "file_share"])),
        "message": JUNK,
        "previous_message": JUNK,
        "deleted_ts": maybe(IDS),
    },
)
EVENT_CALLBACK = st.fixed_dictionaries(
    {"type": st.just("event_callback"), "event": maybe(MESSAGE)},
    optional={"event_id": maybe(IDS), "team_id": maybe(IDS), "authorizations": JUNK},
)
BLOCK_ACTIONS = st.fixed_dictionaries(
    {
        "type": st.just("block_actions"),
        "actions": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "action_id": st.sampled_from(
                            ["waymark.submit_reading", "waymark.approve_reading", "other"]
                        ),
                        "value": maybe(st.sampled_from(["12", "99999999999999999999", "²"])),
                    }
                ),
                max_size=2,
            )
        ),
    },
    optional={
        "user": maybe(st.fixed_dictionaries({"id": maybe(IDS)})),
        "channel": JUNK,
        "container": JUNK,
        "message": JUNK,
        "trigger_id": maybe(IDS),
        "response_url": JUNK,
    },
)
VIEW_SUBMISSION = st.fixed_dictionaries(
    {
        "type": st.just("view_submission"),
        "view": maybe(
            st.fixed_dictionaries(
                {
                    "callback_id": st.sampled_from(["waymark.reading_form", "other"]),
                    "private_metadata": maybe(
                        st.sampled_from(['{"n": 12, "c": "C0CHILDREN1"}', "abc", '"abc"', "{}"])
                    ),
                    "state": JUNK,
                }
            )
        ),
    },
    optional={"user": JUNK},
)
SLASH = st.fixed_dictionaries(
    {"command": st.just("/outcome")},
    optional={
        "text": st.text(max_size=30),
        "user_id": IDS,
        "channel_id": IDS,
        "response_url": st.text(max_size=10),
    },
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A body and its Content-Type: bytes, JSON, a form, or an interactivity payload."""
    kind = draw(st.sampled_from(["bytes", "json", "form", "payload", "slash"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200)), draw(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"])
        )
    if kind == "json":
        shape = draw(st.one_of(EVENT_CALLBACK, JUNK))
        return json.dumps(shape).encode(), "application/json"
    if kind == "payload":
        shape = draw(st.one_of(BLOCK_ACTIONS, VIEW_SUBMISSION, JUNK))
        return urlencode(
            {"payload": json.dumps(shape)}
        ).encode(), "application/x-www-form-urlencoded"
    if kind == "slash":
        return urlencode(draw(SLASH)).encode(), "application/x-www-form-urlencoded"
    form = draw(st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=4))
    return urlencode(form).encode(), "application/x-www-form-urlencoded"


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str], bool]:
    body, content_type = draw(bodies())
    now = int(time.time())
    stamp = draw(
        st.one_of(
            st.just(str(now)),
            st.sampled_from(["abc", "1e3", "", "١٢٣", str(now - 3600), "-5", "9" * 30]),
            st.text(max_size=12),
        )
    )
    signed = draw(st.booleans())
    headers = {"Content-Type": content_type}
    if draw(st.booleans()) or signed:
        headers["X-Slack-Request-Timestamp"] = stamp
    if signed:
        headers["X-Slack-Signature"] = signature(SECRET, stamp, body)
    elif draw(st.booleans()):
        headers["X-Slack-Signature"] = draw(st.text(max_size=70))
    # HTTP headers are Latin-1: anything else cannot be sent at all.
    safe = {k: v for k, v in headers.items() if v.isascii() and v.isprintable()}
    return body, safe, signed


def test_whatever_arrives_at_the_door_no_5xx_no_traceback_no_change_unless_answered(
    door: Door, caplog: pytest.LogCaptureFixture
) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(requests())
    def at_the_door(request: tuple[bytes, dict[str, str], bool]) -> None:
        body, headers, _ = request
        caplog.clear()
        before = door.rows()
        status = door.post(body, headers)
        after = door.rows()
        assert status < 500, (status, body, headers, caplog.text)
        assert not [r for r in caplog.records if r.exc_info], caplog.text
        assert "Traceback" not in caplog.text
        if status != 200:
            assert after == before, (status, body, headers)
        if "X-Slack-Signature" not in headers or status == 401:
            assert status in {401, 503} or after == before

    at_the_door()
