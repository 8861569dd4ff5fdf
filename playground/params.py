"""Reading a Web API call as Slack does: query string, then a form or JSON body, with the fields
Slack takes as JSON strings decoded; and the small helpers every method shares."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from playground.errors import SlackError

Params = dict[str, Any]
Method = Callable[[Params], Awaitable[dict[str, Any]]]
T = TypeVar("T")

# Form-encoded requests carry these as JSON strings; JSON requests may too.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "metadata": "invalid_metadata_format",
    "view": "invalid_arguments",
    "files": "invalid_arguments",
}
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def invalid_arguments(*problems: str) -> SlackError:
    messages = [f"[ERROR] {problem}" for problem in problems]
    return SlackError("invalid_arguments", response_metadata={"messages": messages})


def optional(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return str(value)


def need(params: Params, name: str, error: str | None = None) -> str:
    value = optional(params, name)
    if value is None:
        if error is not None:
            raise SlackError(error)
        raise invalid_arguments(f"missing required field: {name}")
    return value


def flag(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return isinstance(value, str) and value.lower() in {"1", "true"}


def page_size(params: Params, default: int, maximum: int = 1000) -> int:
    try:
        limit = int(params.get("limit") or default)
    except (TypeError, ValueError):
        return default
    return default if limit <= 0 else min(limit, maximum)


def one_page(items: Sequence[T], params: Params, default: int) -> tuple[list[T], str]:
    """One page of ``items`` and the cursor for the next ("" on the last page)."""
    start = 0
    cursor = optional(params, "cursor")
    if cursor is not None:
        try:
            decoded = base64.b64decode(cursor.encode(), validate=True).decode()
            start = int(decoded.removeprefix("offset:"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise SlackError("invalid_cursor") from exc
    end = start + page_size(params, default)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return list(items[start:end]), next_cursor


async def read_params(request: web.Request) -> Params:
    """Query string, then the body (form or JSON), with JSON-valued fields decoded."""
    params: Params = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            # Slack never reads a token from a JSON body, only from the Authorization header.
            body.pop("token", None)
            params.update(body)
        elif request.content_type in _FORM_TYPES:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for name, error in _JSON_FIELDS.items():
        value = params.get(name)
        if isinstance(value, str):
            if not value.strip():
                params.pop(name)
                continue
            try:
                params[name] = json.loads(value)
            except ValueError as exc:
                raise SlackError(error) from exc
    return params


def token_of(request: web.Request, params: Params) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = params.pop("token", None)
    return str(token) if token else None


def with_warnings(body: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    if warnings:
        body["warning"] = ",".join(warnings)
        body["response_metadata"] = {"warnings": warnings}
    return body
