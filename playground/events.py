"""The Events API feed: message events for every channel the bot is in, its own posts included.

Slack sends a bot its own messages too (Bolt drops them), so the playground does as well.
"""

from __future__ import annotations

from typing import Any

from playground import payloads
from playground.delivery import Delivery
from playground.records import DeliveryRecord, Message
from playground.workspace import Workspace


class EventFeed:
    def __init__(self, workspace: Workspace, delivery: Delivery) -> None:
        self.workspace = workspace
        self.delivery = delivery

    def _hears(self, channel_id: str) -> bool:
        return self.workspace.is_member(channel_id, self.workspace.bot.id)

    async def _send(self, event: dict[str, Any]) -> DeliveryRecord:
        return await self.delivery.send_event(payloads.event_callback(self.workspace, event))

    async def posted(self, message: Message) -> DeliveryRecord | None:
        """Send the ``message`` event for a new message; None when the bot is not in the channel."""
        if not self._hears(message.channel):
            return None
        return await self._send(payloads.message_event(self.workspace, message))

    async def edited(self, message: Message, previous: Message) -> DeliveryRecord | None:
        if not self._hears(message.channel):
            return None
        event = payloads.message_changed_event(self.workspace, message=message, previous=previous)
        return await self._send(event)

    async def deleted(self, previous: Message) -> DeliveryRecord | None:
        if not self._hears(previous.channel):
            return None
        return await self._send(payloads.message_deleted_event(self.workspace, previous=previous))

    # The bot is still awaiting the Web API call that caused these, so they go out in the
    # background; the event is built now, while it still shows the message as it was.

    def posted_later(self, message: Message) -> None:
        if self._hears(message.channel):
            self.delivery.spawn(self._send(payloads.message_event(self.workspace, message)))

    def edited_later(self, message: Message, previous: Message) -> None:
        if self._hears(message.channel):
            event = payloads.message_changed_event(
                self.workspace, message=message, previous=previous
            )
            self.delivery.spawn(self._send(event))

    def deleted_later(self, previous: Message) -> None:
        if self._hears(previous.channel):
            event = payloads.message_deleted_event(self.workspace, previous=previous)
            self.delivery.spawn(self._send(event))
