"""The requests Slack sends a bot, in Slack's shapes: slash commands, events and interactions.

Pure functions of the workspace; ``delivery`` signs and sends what these build.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from playground import shapes
from playground.records import Channel, Message, OpenView, User
from playground.workspace import Workspace

# Slack still sends the long-deprecated verification token; Bolt ignores it.
VERIFICATION_TOKEN = "playgroundVerificationToken"  # noqa: S105 - a fixed fake, not a secret


def user_ref(workspace: Workspace, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.handle,
        "name": user.handle,
        "team_id": workspace.team_id,
    }


def team_ref(workspace: Workspace) -> dict[str, Any]:
    return {"id": workspace.team_id, "domain": workspace.domain}


def slash_command(
    workspace: Workspace,
    *,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command, in the order Slack sends them."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": workspace.team_id,
        "team_domain": workspace.domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user.id,
        "user_name": user.handle,
        "command": command,
        "text": text,
        "api_app_id": workspace.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def event_callback(workspace: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """An Events API envelope around ``event``, with a fresh ``event_id`` as Slack gives each."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": workspace.team_id,
        "context_team_id": workspace.team_id,
        "context_enterprise_id": None,
        "api_app_id": workspace.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(workspace.now()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": workspace.team_id,
                "user_id": workspace.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def channel_type(channel: Channel) -> str:
    return "group" if channel.is_private else "channel"


def message_event(workspace: Workspace, message: Message) -> dict[str, Any]:
    """A new message as the ``message`` event: thread replies carry thread_ts and parent_user_id."""
    event = shapes.message_json(workspace, message)
    event.pop("reply_count", None)
    event.pop("reply_users_count", None)
    event.pop("latest_reply", None)
    event.pop("reply_users", None)
    event.pop("is_locked", None)
    event.pop("subscribed", None)
    event.pop("reactions", None)
    if message.files and "subtype" not in event:
        event["subtype"] = "file_share"
    event["channel"] = message.channel
    event["event_ts"] = message.ts
    event["channel_type"] = channel_type(workspace.channel(message.channel))
    return event


def message_changed_event(
    workspace: Workspace, *, message: Message, previous: Message
) -> dict[str, Any]:
    """An edit: no top-level user, a fresh top-level ts, the new and old message inside."""
    ts = workspace.next_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": shapes.message_json(workspace, message),
        "previous_message": shapes.message_json(workspace, previous),
        "channel": message.channel,
        "hidden": True,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type(workspace.channel(message.channel)),
    }


def message_deleted_event(workspace: Workspace, *, previous: Message) -> dict[str, Any]:
    ts = workspace.next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": shapes.message_json(workspace, previous),
        "channel": previous.channel,
        "hidden": True,
        "deleted_ts": previous.ts,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type(workspace.channel(previous.channel)),
    }


def block_actions(
    workspace: Workspace,
    *,
    user: User,
    action: dict[str, Any],
    trigger_id: str,
    message: Message | None = None,
    response_url: str | None = None,
    view: OpenView | None = None,
) -> dict[str, Any]:
    """A click on a button (or a choice in a menu) in a message or in an open modal."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(workspace, user),
        "api_app_id": workspace.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": team_ref(workspace),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if message is not None:
        channel = workspace.channel(message.channel)
        payload["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel.id,
            "is_ephemeral": message.visible_to is not None,
        }
        if message.thread_ts:
            payload["container"]["thread_ts"] = message.thread_ts
        payload["channel"] = {"id": channel.id, "name": channel.name}
        # Slack leaves the message out when the click was on an ephemeral one.
        if message.visible_to is None:
            payload["message"] = shapes.message_json(workspace, message)
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = shapes.view_json(workspace, view)
    payload["actions"] = [action]
    return payload


def view_submission(
    workspace: Workspace, *, user: User, view: OpenView, trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team_ref(workspace),
        "user": user_ref(workspace, user),
        "api_app_id": workspace.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": shapes.view_json(workspace, view),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(workspace: Workspace, *, user: User, view: OpenView) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": team_ref(workspace),
        "user": user_ref(workspace, user),
        "api_app_id": workspace.app_id,
        "token": VERIFICATION_TOKEN,
        "view": shapes.view_json(workspace, view),
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The block and the interactive element in it with this action_id."""
    for block in blocks:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        candidates: list[Any] = [block.get("accessory"), block.get("element")]
        if isinstance(block.get("elements"), list):
            candidates.extend(block["elements"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    raise LookupError(action_id)


def action_json(
    workspace: Workspace,
    *,
    block: dict[str, Any],
    element: dict[str, Any],
    selected_value: str | None = None,
) -> dict[str, Any]:
    """One entry of ``actions``: what was clicked and, for a menu, what was chosen."""
    action: dict[str, Any] = {
        "type": element.get("type"),
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": workspace.next_ts(),
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif element.get("type") == "static_select":
        action["selected_option"] = _option(element, selected_value)
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    elif element.get("type") == "overflow":
        action["selected_option"] = _option(element, selected_value)
    return action


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return [option for option in options if isinstance(option, dict)]


def _option(element: dict[str, Any], value: str | None) -> dict[str, Any] | None:
    for option in _options(element):
        if option.get("value") == value:
            return option
    return None


def state_values(
    blocks: list[dict[str, Any]], entered: dict[str, Any]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Slack's ``view.state.values`` for what a person entered, keyed by block_id then action_id.

    ``entered`` maps block_id to the raw value typed or chosen (a string, or None for nothing).
    """
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block.get("element")
        block_id = block.get("block_id")
        if not isinstance(element, dict) or not isinstance(block_id, str):
            continue
        raw = entered.get(block_id)
        text = raw if isinstance(raw, str) and raw != "" else None
        kind = element.get("type")
        state: dict[str, Any] = {"type": kind}
        if kind == "static_select":
            state["selected_option"] = _option(element, text)
        elif kind == "datepicker":
            state["selected_date"] = text
        elif kind == "timepicker":
            state["selected_time"] = text
        else:
            state["value"] = text
        values[block_id] = {str(element.get("action_id")): state}
    return values


def missing_inputs(blocks: list[dict[str, Any]], entered: dict[str, Any]) -> dict[str, str]:
    """What Slack's client says before it lets a person submit: required fields, lengths."""
    problems: dict[str, str] = {}
    for block in blocks:
        if block.get("type") != "input" or not isinstance(block.get("block_id"), str):
            continue
        element = block.get("element") or {}
        raw = entered.get(block["block_id"])
        text = raw if isinstance(raw, str) else ""
        if not text.strip():
            if not block.get("optional", False):
                problems[block["block_id"]] = "Please complete this required field."
            continue
        min_length = element.get("min_length")
        max_length = element.get("max_length")
        if isinstance(min_length, int) and len(text) < min_length:
            problems[block["block_id"]] = f"Please enter at least {min_length} characters."
        elif isinstance(max_length, int) and len(text) > max_length:
            problems[block["block_id"]] = f"Please enter no more than {max_length} characters."
        elif element.get("type") == "number_input" and not _is_number(
            text, decimal=bool(element.get("is_decimal_allowed"))
        ):
            problems[block["block_id"]] = "Please enter a number."
    return problems


def _is_number(text: str, *, decimal: bool) -> bool:
    try:
        value = float(text) if decimal else int(text)
    except ValueError:
        return False
    # float() reads "nan" and "inf", which nobody means as a number.
    return math.isfinite(value)
