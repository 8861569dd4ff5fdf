"""Block Kit checks Slack makes on the way in, and the ids it fills in.

The limits are the documented ones (see docs/research, section 1.7). A bot that breaks them here
would be refused by Slack too, so the playground refuses it the same way instead of rendering a
message Slack would never show.
"""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Callable
from typing import Any, Literal

Surface = Literal["message", "modal"]

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
TEXT_MAX = 40_000

_MESSAGE_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_MODAL_TYPES = (_MESSAGE_TYPES - {"file", "table", "markdown"}) | {"input"}
_INTERACTIVE = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_static_select",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
_ID_ALPHABET = string.ascii_letters + string.digits


def _random_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))


def with_ids(
    blocks: list[dict[str, Any]], new_id: Callable[[], str] = _random_id
) -> list[dict[str, Any]]:
    """A copy of ``blocks`` with the ``block_id`` and ``action_id`` values Slack generates.

    Slack fills these in when a bot leaves them out, and interaction payloads carry them, so the
    playground must too or a button without an ``action_id`` could never be told apart.
    """
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", new_id())
        for element in _elements(block):
            if element.get("type") in _INTERACTIVE:
                element.setdefault("action_id", new_id())
    return filled


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for key in ("accessory", "element"):
        item = block.get(key)
        if isinstance(item, dict):
            found.append(item)
    items = block.get("elements")
    if block.get("type") in {"actions", "context_actions"} and isinstance(items, list):
        found.extend(item for item in items if isinstance(item, dict))
    return found


class _Checker:
    def __init__(self, surface: Surface, root: str) -> None:
        self.surface = surface
        self.root = root
        self.errors: list[str] = []

    def fail(self, problem: str, path: str) -> None:
        self.errors.append(f"{problem} [json-pointer:{self.root}{path}]")

    def text_object(
        self,
        value: Any,
        path: str,
        *,
        limit: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if value is None:
            if required:
                self.fail("missing required field: text", path)
            return
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            self.fail("must provide an object with a text string", path)
            return
        kind = value.get("type")
        allowed = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
        if kind not in allowed:
            self.fail(f"must be one of {', '.join(sorted(allowed))}", f"{path}/type")
        if len(value["text"]) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{path}/text")
        if not value["text"]:
            self.fail("must be more than 0 characters", f"{path}/text")

    def element(self, element: Any, path: str) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.fail("must provide an object with a type", path)
            return
        action_id = element.get("action_id")
        if isinstance(action_id, str) and len(action_id) > 255:
            self.fail("must be less than 256 characters", f"{path}/action_id")
        if element["type"] == "button":
            self.text_object(element.get("text"), f"{path}/text", limit=75, plain_only=True)
            value = element.get("value")
            if isinstance(value, str) and len(value) > 2000:
                self.fail("must be less than 2001 characters", f"{path}/value")
            url = element.get("url")
            if isinstance(url, str) and len(url) > 3000:
                self.fail("must be less than 3001 characters", f"{path}/url")
            style = element.get("style")
            if style is not None and style not in {"primary", "danger"}:
                self.fail("must be one of primary, danger", f"{path}/style")
        elif element["type"] in {"static_select", "multi_static_select"}:
            options = element.get("options")
            groups = element.get("option_groups")
            if not isinstance(options, list) and not isinstance(groups, list):
                self.fail("must provide options or option_groups", path)
            for index, option in enumerate(options if isinstance(options, list) else []):
                self.option(option, f"{path}/options/{index}")

    def option(self, option: Any, path: str) -> None:
        if not isinstance(option, dict):
            self.fail("must provide an object", path)
            return
        self.text_object(option.get("text"), f"{path}/text", limit=75)
        value = option.get("value")
        if not isinstance(value, str) or len(value) > 150:
            self.fail("must be a string of at most 150 characters", f"{path}/value")

    def block(self, block: Any, path: str) -> None:
        if not isinstance(block, dict):
            self.fail("must provide an object", path)
            return
        kind = block.get("type")
        allowed = _MESSAGE_TYPES if self.surface == "message" else _MODAL_TYPES
        if kind not in allowed:
            self.fail(f"unsupported type: {kind}", f"{path}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None and (not isinstance(block_id, str) or len(block_id) > 255):
            self.fail("must be a string of at most 255 characters", f"{path}/block_id")
        if kind == "section":
            self._section(block, path)
        elif kind == "header":
            self.text_object(block.get("text"), f"{path}/text", limit=150, plain_only=True)
        elif kind == "context":
            self._list(block, path, "elements", 10)
        elif kind == "actions":
            elements = self._list(block, path, "elements", 25)
            for index, element in enumerate(elements):
                self.element(element, f"{path}/elements/{index}")
        elif kind == "image":
            if not block.get("image_url") and not block.get("slack_file"):
                self.fail("must provide image_url or slack_file", path)
            alt = block.get("alt_text")
            if not isinstance(alt, str) or not alt or len(alt) > 2000:
                self.fail("must be a string of 1 to 2000 characters", f"{path}/alt_text")
        elif kind == "input":
            self.text_object(block.get("label"), f"{path}/label", limit=2000, plain_only=True)
            self.element(block.get("element"), f"{path}/element")

    def _section(self, block: dict[str, Any], path: str) -> None:
        text = block.get("text")
        fields = block.get("fields")
        if text is None and fields is None:
            self.fail("must provide text or fields", path)
        if text is not None:
            self.text_object(text, f"{path}/text", limit=3000)
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                self.fail("must provide at most 10 items", f"{path}/fields")
            else:
                for index, field in enumerate(fields):
                    self.text_object(field, f"{path}/fields/{index}", limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{path}/accessory")

    def _list(self, block: dict[str, Any], path: str, key: str, limit: int) -> list[Any]:
        items = block.get(key)
        if not isinstance(items, list) or not items:
            self.fail("must provide at least 1 item", f"{path}/{key}")
            return []
        if len(items) > limit:
            self.fail(f"must provide at most {limit} items", f"{path}/{key}")
        return items


def block_errors(blocks: Any, *, surface: Surface, root: str = "") -> list[str]:
    """Slack's ``invalid_blocks`` messages for ``blocks``, empty when Slack would accept them."""
    checker = _Checker(surface, root)
    if not isinstance(blocks, list):
        checker.fail("must provide an array", "/blocks")
        return checker.errors
    limit = MESSAGE_BLOCKS_MAX if surface == "message" else MODAL_BLOCKS_MAX
    if len(blocks) > limit:
        checker.fail(f"must provide at most {limit} items", "/blocks")
    seen: set[str] = set()
    tables = 0
    for index, block in enumerate(blocks):
        checker.block(block, f"/blocks/{index}")
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                checker.fail("duplicate block_id", f"/blocks/{index}/block_id")
            seen.add(block_id)
        if block.get("type") == "table":
            tables += 1
            if tables > 1:
                checker.fail("only one table block is allowed", f"/blocks/{index}")
    return checker.errors


def view_errors(view: Any) -> list[str]:
    """The ``invalid_arguments`` messages Slack gives for a modal it will not open."""
    checker = _Checker("modal", "/view")
    if not isinstance(view, dict):
        checker.fail("must provide an object", "")
        return checker.errors
    if view.get("type") != "modal":
        checker.fail("must be modal", "/type")
    checker.text_object(view.get("title"), "/title", limit=24, plain_only=True)
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )
    checker.text_object(
        view.get("submit"), "/submit", limit=24, plain_only=True, required=has_input
    )
    checker.text_object(view.get("close"), "/close", limit=24, plain_only=True, required=False)
    metadata = view.get("private_metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > 3000):
        checker.fail("must be a string of at most 3000 characters", "/private_metadata")
    callback_id = view.get("callback_id")
    if callback_id is not None and (not isinstance(callback_id, str) or len(callback_id) > 255):
        checker.fail("must be a string of at most 255 characters", "/callback_id")
    checker.errors.extend(block_errors(blocks, surface="modal", root="/view"))
    return checker.errors
