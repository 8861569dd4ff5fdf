"""What waymark checks at its Slack door: signatures before anything is read, malformed bodies
refused plainly, slash commands replayed inside the signing window ignored, and mentions that
only waymark's own code can make."""

import json
import logging
import time
from urllib.parse import quote

import aiohttp
import pytest

from commands.readings.form import CALLBACK
from tests.slack.harness import CHILDREN, LEAD, OUTSIDER, SlackHarness
from tests.slack.test_thread_readings import readings_of


async def test_a_mention_typed_by_someone_is_shared_as_text_never_as_a_mention(
    slack: SlackHarness,
) -> None:
    await slack.command(OUTSIDER, CHILDREN, "@{U0CHILDLEAD} <@U0CHILDLEAD> <!channel> share")
    [posted] = slack.calls("chat.postMessage")
    # mrkdwn is where Slack turns <@U…> and <!channel> into notifications; plain_text never.
    mrkdwn = [b["text"]["text"] for b in posted["blocks"] if b["text"]["type"] == "mrkdwn"]
    shown = " ".join([str(posted["text"]), *mrkdwn])
    assert "@{U0CHILDLEAD}" in shown
    assert "<@" not in shown
    assert "<!channel>" not in shown


FORM = "application/x-www-form-urlencoded"
COMMAND = (
    b"command=%2Foutcome&text=12+submit+7.18+2024%2F25&user_id=U0CHILDLEAD&channel_id=C0CHILDREN1"
)


def door_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # Warnings and worse: an access log another test switched on says nothing about the door.
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


async def post_raw(slack: SlackHarness, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(slack.events_url, data=body, headers=headers) as response,
    ):
        return response.status


@pytest.mark.parametrize(
    ("stamp", "body"),
    [
        ("abc", COMMAND),
        ("1e3", COMMAND),
        ("", COMMAND),
        ("١٢٣", COMMAND),
        (None, b'{"type": "event_callback", "event": {"type": "mess'),
        (None, b"payload=%7Bnot json"),
    ],
)
async def test_an_unsigned_or_oddly_stamped_request_is_refused_401_before_it_is_read(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, stamp: str | None, body: bytes
) -> None:
    headers = {"Content-Type": FORM, "X-Slack-Signature": "v0=" + "0" * 64}
    if stamp is not None:
        headers["X-Slack-Request-Timestamp"] = stamp
    else:
        headers["X-Slack-Request-Timestamp"] = str(int(time.time()))
    assert await post_raw(slack, body, headers) == 401
    await slack.settle()
    assert len(door_lines(caplog)) == 1
    no_traceback(caplog)
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]


def event(inner: dict[str, object]) -> bytes:
    envelope = {"type": "event_callback", "event_id": "Ev0FORGED", "event": inner}
    return json.dumps(envelope).encode()


def action(value: object, **extra: object) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": LEAD.id},
        "channel": {"id": CHILDREN},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "waymark.submit_reading", "value": value}],
        **extra,
    }
    return b"payload=" + quote(json.dumps(payload)).encode()


def view(metadata: str) -> bytes:
    payload = {
        "type": "view_submission",
        "user": {"id": LEAD.id},
        "view": {
            "callback_id": CALLBACK,
            "private_metadata": metadata,
            "state": {"values": {"value": {"value": {"type": "plain_text_input", "value": "9"}}}},
        },
    }
    return b"payload=" + quote(json.dumps(payload)).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": {"type": "mess', "application/json"),
        (b"payload=%7Bnot json", FORM),
        (b"[1, 2, 3]", "application/json"),
        (b'"just text"', "application/json"),
        (b"\xff\xfe not utf-8", FORM),
        (
            event({"type": "message", "channel": CHILDREN, "user": LEAD.id, "text": "9"}),
            "application/json",
        ),
        (
            event({"type": "message", "channel": 5, "ts": "1.2", "user": LEAD.id}),
            "application/json",
        ),
        (b'{"type": "event_callback", "event": "message"}', "application/json"),
        (action({"not": "text"}), FORM),
        (action("12"), FORM),  # no response_url: no button in a message comes without one
        (action("12", trigger_id=None, user="U0CHILDLEAD", response_url="x"), FORM),
        (view("abc"), FORM),
        (view('"abc"'), FORM),
        (view('{"n": "abc", "c": "C0CHILDREN1"}'), FORM),
        (view('{"n": 1e400, "c": "C0CHILDREN1"}'), FORM),
        # A slash command's form naming what Bolt reads as an object, written plainly or not.
        (b"command=%2Foutcome&text=12&event=message", FORM),
        (b"command=%2Foutcome&text=12&ev%65nt", FORM),
        (b"command=%2Foutcome&text=12&previous+message=x&previous_message=x", FORM),
        (b"command=%2Foutcome&text=12&authorizations=U0ADMIN", FORM),
    ],
)
async def test_a_signed_but_malformed_request_gets_400_and_changes_nothing(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    status, _ = await slack.post_signed(body, content_type)
    await slack.settle()
    assert status == 400
    assert len(door_lines(caplog)) == 1, caplog.text
    no_traceback(caplog)
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    assert slack.calls("chat.postMessage") == []


async def test_a_slash_command_replayed_inside_the_signing_window_does_nothing_again(
    slack: SlackHarness,
) -> None:
    body = (
        b"command=%2Foutcome&text=13+submit+86+2025-Q1+catch-up+clinics"
        b"&user_id=U0CHILDLEAD&channel_id=C0CHILDREN1"
    )
    stamp = int(time.time())
    first = await slack.post_signed(body, FORM, timestamp=stamp)
    again = await slack.post_signed(body, FORM, timestamp=stamp)
    assert first[0] == again[0] == 200
    assert "Recorded outcome 13" in first[1]
    assert "That command was received already, so nothing was done again." in again[1]
    assert [r for r in await readings_of(slack, 13) if r[0] == "2025-Q1"] == [
        ("2025-Q1", 86.0, True)
    ]
    # Typed again by the person, it is a new request with its own signature: it is answered.
    later = await slack.post_signed(body, FORM, timestamp=stamp + 1)
    assert "received already" not in later[1]
