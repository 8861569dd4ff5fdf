"""What is checked at waymark's Slack door before Bolt reads a byte: the signature, on the raw
body (401), then that a signed body is something Slack could have sent (400). Neither parses
anything unsigned, and each refusal is one log line, never a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote

from commands.presentation.replies import typed_mention, without_mentions

log = logging.getLogger(__name__)

# Slack's own rule: a request more than five minutes old is refused, so one captured in
# transit cannot be replayed later.
SIGNING_WINDOW = 5 * 60


class MalformedRequestError(Exception):
    """A signed request whose body does not have the shape Slack gives it: answered 400."""


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def check(body: bytes, headers: Mapping[str, str], secret: str, now: float) -> Refusal | None:
    """Why the request must be refused, or None to let Bolt have it."""
    if not secret:
        return Refusal(401, "waymark has no signing secret to check a signature against")
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    given = headers.get("X-Slack-Signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return Refusal(401, "no timestamp, or one that is not whole seconds")
    if abs(now - int(stamp)) > SIGNING_WINDOW:
        return Refusal(401, "a timestamp outside the five-minute signing window")
    if not signature_matches(secret, stamp, body, given):
        return Refusal(401, "a signature that does not match")
    try:
        check_body(body, headers.get("Content-Type"))
    except MalformedRequestError as error:
        return Refusal(400, str(error))
    return None


def signature_matches(secret: str, stamp: str, body: bytes, given: str) -> bool:
    basestring = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses a str that is not ASCII, and a header may be.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def check_body(body: bytes, content_type: str | None) -> None:
    """Refuse (MalformedRequestError) a body Bolt would fail to read
    (`slack_bolt.request.internals.parse_body`), or would read as something that is not an
    object of the shape Slack gives it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequestError("a body that is not UTF-8") from None
    if not text:
        return
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or text.startswith("{") or "payload" in text:
        _check_shape(_parsed(text, kind))
    else:
        # A form (a slash command): Bolt reads it as text for every name, so only the names
        # can be wrong, and they are all that is decoded (not every value, as Bolt then does).
        _check_form_names(text)


def _parsed(text: str, kind: str) -> dict[str, Any]:
    try:
        if kind == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        else:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            parsed = {} if payload is None else json.loads(payload)
    except ValueError:
        raise MalformedRequestError("a body that is not JSON or a form") from None
    if not isinstance(parsed, dict):
        raise MalformedRequestError("a body that is not an object")
    return parsed


def _check_form_names(text: str) -> None:
    """`_check_shape` of a form whose every value is text, from its names alone, decoded as
    `parse_qsl` decodes them (only those that need it: the names checked for need none)."""
    # Each `&`-separated field's name is what comes before its first `=`, as `parse_qsl`
    # splits them (a split, not a regular expression: a third of the time).
    names = {field.partition("=")[0] for field in text.split("&")}
    names.update([unquote(n.replace("+", " ")) for n in names if "%" in n or "+" in n])
    for key in _OBJECTS:
        if key in names:
            raise MalformedRequestError(f"a '{key}' that is not an object")
    if "authorizations" in names:
        raise MalformedRequestError("'authorizations' that are not a list of objects")


# Where Bolt looks before any listener runs (team, user, channel, enterprise, the event): each
# must be what Slack sends, or Bolt fails inside itself.
_OBJECTS_OR_TEXT = ("team", "user", "channel", "enterprise")
_OBJECTS = ("event", "view", "container", "message", "previous_message", "item")
_TEXTS = ("type", "team_id", "user_id", "channel_id", "enterprise_id", "command", "text")


def _check_shape(payload: Mapping[str, Any], depth: int = 0) -> None:
    for key in _OBJECTS_OR_TEXT:
        if key in payload and not isinstance(payload[key], dict | str | None):
            raise MalformedRequestError(f"a '{key}' that is neither an object nor text")
    for key in _OBJECTS:
        if key in payload and not isinstance(payload[key], dict | None):
            raise MalformedRequestError(f"a '{key}' that is not an object")
    for key in _TEXTS:
        if key in payload and not isinstance(payload[key], str | None):
            raise MalformedRequestError(f"a '{key}' that is not text")
    authorizations = payload.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        raise MalformedRequestError("'authorizations' that are not a list of objects")
    if depth < 2:
        for key in ("event", "message", "previous_message", "view", "team", "user", "channel"):
            inner = payload.get(key)
            if isinstance(inner, dict):
                _check_shape(inner, depth + 1)
        for inner in authorizations or []:
            _check_shape(inner, depth + 1)


def refused(refusal: Refusal, path: str) -> None:
    log.warning("refused a request to %s with %d: %s", path, refusal.status, refusal.reason)


_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class reading:  # noqa: N801 - used as a function is: `with door.reading("a button"):`
    """Reading a signed payload's fields: a field missing or of the wrong type is a malformed
    request (400), not a failure of waymark's (500 and a traceback). A class, not a generator:
    every request reads its fields in one, and a generator's context manager costs a
    microsecond more."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        if isinstance(error, _MALFORMED):
            raise MalformedRequestError(
                f"{self.what} without the fields Slack gives it ({error!r})"
            ) from None


def text(value: Any) -> str:
    """A field that must be text (an id, a timestamp, what someone typed)."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def optional_text(value: Any) -> str | None:
    return None if value is None else text(value)


def receipt(headers: Mapping[str, Sequence[str]]) -> str | None:
    """What makes a signed request unique: its signature covers its timestamp and body, so a
    request sent again unchanged inside the signing window carries the same one (Slack never
    resends a slash command; the same one twice is a replay). None in Socket Mode."""
    signature = (headers.get("x-slack-signature") or [""])[0]
    return f"slack-request:{signature}" if signature else None


_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")


def typed(text: str) -> str:
    """What the person typed, with people they mention as `@{U0123}` (a name the core reads, never
    a mention it renders, see `replies.mention`) and nothing that is one: Slack sends a
    mention as `<@U0123|name>`, a channel as `<#C0123|name>`, a link as `<https://…>`, and
    `&`, `<` and `>` as entities."""
    text = without_mentions(text)
    if "<" in text:  # each of Slack's forms begins with one: most commands have none
        text = _USER.sub(lambda m: typed_mention(m.group(1)), text)
        text = _CHANNEL.sub(r"#\1", _LINK.sub(r"\1", text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
