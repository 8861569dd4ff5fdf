"""What a person does in the Slack client, and what Slack then does with the bot's answer.

The browser page and the tests both go through here: typing a message or a slash command,
editing or deleting a message, clicking a button, submitting or cancelling a modal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from playground import payloads
from playground.blockkit import view_errors, with_ids
from playground.delivery import Delivery, answer_json, failure_text
from playground.errors import SlackError
from playground.events import EventFeed
from playground.records import DeliveryRecord, Message, OpenView, User
from playground.workspace import Workspace


@dataclass
class Outcome:
    """What came of one thing a person did."""

    delivery: DeliveryRecord | None = None
    message: Message | None = None
    shown: list[Message] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "ok": self.notice is None,
            "ts": self.message.ts if self.message else None,
            "status": self.delivery.status if self.delivery else None,
            "errors": self.errors,
            "notice": self.notice,
        }


def escape(text: str) -> str:
    """What the Slack client does to typed text: ``&``, ``<`` and ``>`` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rich_text(text: str) -> list[dict[str, Any]]:
    """The ``rich_text`` block the Slack client attaches to everything a person types."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return with_ids([{"type": "rich_text", "elements": [section]}])


class People:
    def __init__(self, workspace: Workspace, delivery: Delivery, feed: EventFeed) -> None:
        self.workspace = workspace
        self.delivery = delivery
        self.feed = feed

    @property
    def _bot_name(self) -> str:
        return self.workspace.bot.name

    def _tell(self, user: User, channel_id: str, record: DeliveryRecord | None) -> str | None:
        if record is None:
            return None
        text = failure_text(self._bot_name, record)
        if text is not None:
            self.workspace.notify(user.id, channel_id, text)
        return text

    # ----- messages

    async def say(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> Outcome:
        """Send what was typed in a message box: a slash command if it starts with ``/``."""
        user = self.workspace.user(user_id)
        channel = self.workspace.channel(channel_id)
        if text.startswith("/"):
            if thread_ts is not None:
                # Slack only runs its own commands in threads, never an app's.
                command = text.split(maxsplit=1)[0]
                notice = f"{command} is not supported in threads. Sorry!"
                self.workspace.notify(user.id, channel.id, notice)
                return Outcome(notice=notice)
            return await self.run_command(user.id, channel.id, text)
        if not text.strip():
            raise SlackError("no_text", message="Type a message first.")
        message = self.workspace.post(
            channel.id,
            user=user.id,
            text=escape(text),
            blocks=rich_text(text),
            thread_ts=thread_ts,
            client_msg_id=str(uuid.uuid4()),
        )
        record = await self.feed.posted(message)
        return Outcome(
            delivery=record, message=message, notice=self._tell(user, channel.id, record)
        )

    async def edit(self, user_id: str, channel_id: str, ts: str, text: str) -> Outcome:
        user = self.workspace.user(user_id)
        message = self.workspace.message(self.workspace.channel(channel_id).id, ts)
        if message.user != user.id:
            raise SlackError("cant_update_message", message="You can only edit your own messages.")
        if not text.strip():
            raise SlackError("no_text", message="A message cannot be empty. Delete it instead.")
        previous = self.workspace.update(
            message, text=escape(text), blocks=rich_text(text), edited_by=user.id
        )
        record = await self.feed.edited(message, previous)
        return Outcome(
            delivery=record, message=message, notice=self._tell(user, message.channel, record)
        )

    async def delete(self, user_id: str, channel_id: str, ts: str) -> Outcome:
        user = self.workspace.user(user_id)
        message = self.workspace.message(self.workspace.channel(channel_id).id, ts)
        if message.user != user.id:
            raise SlackError(
                "cant_delete_message", message="You can only delete your own messages."
            )
        previous = replace(message, replies=list(message.replies))
        self.workspace.delete(message)
        record = await self.feed.deleted(previous)
        return Outcome(delivery=record, notice=self._tell(user, message.channel, record))

    # ----- slash commands

    async def run_command(self, user_id: str, channel_id: str, line: str) -> Outcome:
        """Run ``/command text`` the way Slack does and show the bot's acknowledgement."""
        user = self.workspace.user(user_id)
        channel = self.workspace.channel(channel_id)
        command, _, text = line.strip().partition(" ")
        hook = self.workspace.issue_response_url(user_id=user.id, channel_id=channel.id)
        fields = payloads.slash_command(
            self.workspace,
            user=user,
            channel=channel,
            command=command,
            text=escape(text.strip()),
            response_url=f"{self.workspace.public_url}/respond/{hook.token}",
            trigger_id=self.workspace.issue_trigger(user.id),
        )
        record = await self.delivery.send_form("slash_command", fields)
        notice = self._tell(user, channel.id, record)
        outcome = Outcome(delivery=record, notice=notice)
        if notice is None:
            shown = self._show_answer(user, channel.id, record)
            if shown is not None:
                hook.last_posted_ts = shown.ts
                outcome.shown.append(shown)
        return outcome

    def _show_answer(self, user: User, channel_id: str, record: DeliveryRecord) -> Message | None:
        """The body of the bot's 200 to a slash command is itself a message, as in Slack."""
        answer = answer_json(record)
        if answer is None:
            text = record.body.strip()
            if not text or record.content_type == "application/json":
                return None
            return self.workspace.post_ephemeral(channel_id, to_user=user.id, text=text)
        text = str(answer.get("text") or "")
        blocks = answer.get("blocks")
        if not text and not blocks:
            return None
        blocks = with_ids(blocks) if isinstance(blocks, list) else None
        if answer.get("response_type") == "in_channel":
            message = self.workspace.post(
                channel_id, user=self.workspace.bot.id, text=text, blocks=blocks
            )
            self.feed.posted_later(message)
            return message
        return self.workspace.post_ephemeral(channel_id, to_user=user.id, text=text, blocks=blocks)

    # ----- buttons and menus

    async def click(
        self,
        user_id: str,
        *,
        action_id: str,
        block_id: str | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        value: str | None = None,
    ) -> Outcome:
        """Click a button (or pick ``value`` in a menu) in a message or in an open modal."""
        user = self.workspace.user(user_id)
        trigger_id = self.workspace.issue_trigger(user.id)
        if view_id is not None:
            view = self._own_view(user, view_id)
            block, element = self._element(view.spec.get("blocks") or [], action_id, block_id)
            action = payloads.action_json(
                self.workspace, block=block, element=element, selected_value=value
            )
            payload = payloads.block_actions(
                self.workspace, user=user, action=action, trigger_id=trigger_id, view=view
            )
            record = await self.delivery.send_interaction("block_actions", payload)
            return Outcome(delivery=record, notice=self._view_trouble(view, record))
        if channel_id is None or message_ts is None:
            raise SlackError("invalid_arguments", message="Say which message was clicked.")
        message = self._visible_message(user, self.workspace.channel(channel_id).id, message_ts)
        block, element = self._element(message.blocks or [], action_id, block_id)
        hook = self.workspace.issue_response_url(
            user_id=user.id,
            channel_id=message.channel,
            source_ts=message.ts,
            source_is_ephemeral=message.visible_to is not None,
            thread_ts=message.thread_ts,
        )
        action = payloads.action_json(
            self.workspace, block=block, element=element, selected_value=value
        )
        payload = payloads.block_actions(
            self.workspace,
            user=user,
            action=action,
            trigger_id=trigger_id,
            message=message,
            response_url=f"{self.workspace.public_url}/respond/{hook.token}",
        )
        record = await self.delivery.send_interaction("block_actions", payload)
        return Outcome(
            delivery=record, message=message, notice=self._tell(user, message.channel, record)
        )

    def _visible_message(self, user: User, channel_id: str, ts: str) -> Message:
        try:
            return self.workspace.message(channel_id, ts)
        except SlackError:
            return self.workspace.ephemeral(user.id, ts)

    @staticmethod
    def _element(
        blocks: list[dict[str, Any]], action_id: str, block_id: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            return payloads.find_element(blocks, action_id, block_id)
        except LookupError as exc:
            raise SlackError("action_not_found", message="That button is no longer there.") from exc

    # ----- modals

    def _own_view(self, user: User, view_id: str) -> OpenView:
        view = self.workspace.find_view(view_id=view_id)
        if view.user_id != user.id:
            raise SlackError("not_found", message="That form belongs to someone else.")
        return view

    def _view_trouble(self, view: OpenView, record: DeliveryRecord) -> str | None:
        text = failure_text(self._bot_name, record)
        if text is not None:
            self.workspace.show_view_errors(view, {**view.errors, "": text})
        return text

    async def submit(self, user_id: str, view_id: str, entered: dict[str, Any]) -> Outcome:
        """Press Submit with ``entered`` (block_id -> typed or chosen value) in the form.

        Required fields are checked first, as the Slack client does, so the bot never hears of
        a form with a required field left empty.
        """
        user = self.workspace.user(user_id)
        view = self._own_view(user, view_id)
        blocks = view.spec.get("blocks") or []
        view.values = payloads.state_values(blocks, entered)
        problems = payloads.missing_inputs(blocks, entered)
        if problems:
            self.workspace.show_view_errors(view, problems)
            return Outcome(errors=problems)
        payload = payloads.view_submission(
            self.workspace, user=user, view=view, trigger_id=self.workspace.issue_trigger(user.id)
        )
        record = await self.delivery.send_interaction("view_submission", payload)
        notice = self._view_trouble(view, record)
        if notice is not None:
            return Outcome(delivery=record, notice=notice, errors=dict(view.errors))
        answer = answer_json(record) or {}
        action = answer.get("response_action")
        if action == "errors":
            errors = answer.get("errors")
            shown = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
            self.workspace.show_view_errors(view, shown)
            return Outcome(delivery=record, errors=shown)
        if action in {"update", "push"}:
            spec = answer.get("view")
            refused = view_errors(spec)
            if refused:
                # Slack keeps the form open and says it could not be updated.
                problems = {"": f"{self._bot_name} sent a form Slack would refuse: {refused[0]}"}
                self.workspace.show_view_errors(view, problems)
                return Outcome(delivery=record, errors=problems)
            assert isinstance(spec, dict)
            spec = {**spec, "blocks": with_ids(spec.get("blocks") or [])}
            if action == "update":
                self.workspace.replace_view(view, spec)
            else:
                self.workspace.open_view(user.id, spec, push=True)
            return Outcome(delivery=record)
        self.workspace.close_view(view, clear=action == "clear")
        return Outcome(delivery=record)

    async def cancel(self, user_id: str, view_id: str) -> Outcome:
        """Close a modal with Cancel or the cross; the bot hears only if it asked to."""
        user = self.workspace.user(user_id)
        view = self._own_view(user, view_id)
        record = None
        if view.spec.get("notify_on_close"):
            payload = payloads.view_closed(self.workspace, user=user, view=view)
            record = await self.delivery.send_interaction("view_closed", payload)
        self.workspace.close_view(view)
        return Outcome(delivery=record)
