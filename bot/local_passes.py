"""The playground page's "Run reminders now" and "Run digest now": the scheduler's own passes, at
the moment the page asks for (None: now), told in the page's words: channels by name, what to
press rather than command-line flags, and what the scheduler did by itself before the first press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from commands.errors import UserError
from playground.records import Message
from playground.workspace import Workspace
from scheduler.jobs import (
    AGAIN_HINT,
    NOTHING_DUE,
    JobContext,
    send_reminders,
    send_weekly_digest,
)
from scheduler.setup import Clock

REMINDER_KEYS = ("reminder:", "action-reminder:")
ESCALATION_KEYS = ("escalation:", "action-escalation:")
# Slack channel ids as the passes' summaries give them ("to C0FAIRTF001").
CHANNEL_ID = re.compile(r"\b[CG][A-Z0-9]{8,}\b")
# Reminders the clock posted this soon after start-up were posted "when the playground started".
START_UP_SECONDS = 300.0


@dataclass
class LocalPasses:
    clock: Clock
    workspace: Workspace
    jobs: JobContext | None = None
    started: float = field(init=False)
    _reminders_pressed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.started = self.workspace.clock()

    def _ready(self) -> JobContext:
        if self.jobs is None:
            raise UserError("waymark is still starting: try again in a moment.")
        return self.jobs

    async def reminders(self, at: datetime | None) -> str:
        first, self._reminders_pressed = not self._reminders_pressed, True
        summary = await send_reminders(self._ready(), at or self.clock())
        if summary.startswith("No reminders at"):
            summary += " To see them anyway, pick a weekday morning in 'As if it were'."
        elif summary.startswith(NOTHING_DUE) and first and at is None:
            summary = self._posted_before() or summary
        return self._named(summary)

    async def digest(self, at: datetime | None) -> str:
        summary = await send_weekly_digest(self._ready(), at or self.clock())
        again = (
            " It is in #roadmap-digest. To see another week's digest, pick a day in that week in "
            "'As if it were' and press Run digest now."
        )
        return self._named(summary.replace(AGAIN_HINT, again))

    def _posted_before(self) -> str | None:
        """Why the first press finds nothing due: the clock posted the reminders already."""
        keyed = [(m, self._key(m.metadata)) for m in self._bot_posts()]
        reminders = [m for m, key in keyed if key.startswith(REMINDER_KEYS)]
        escalations = [m for m, key in keyed if key.startswith(ESCALATION_KEYS)]
        if not reminders:
            return None
        count = len(reminders)
        noun = "reminder that was" if count == 1 else f"{count} reminders that were"
        first = min(float(m.ts) for m in reminders)
        when = (
            "when the playground started"
            if first - self.started < START_UP_SECONDS
            else "by waymark's clock since the playground started"
        )
        also = ""
        if escalations:
            also = f", with {len(escalations)} escalations in #roadmap-programme"
        return (
            f"No reminders are due now: the {noun} due were posted {when}, in the groups' "
            f"channels{also}. Each is posted once."
        )

    def _bot_posts(self) -> list[Message]:
        ws = self.workspace
        return [
            m
            for channel in list(ws.channels)
            for m in ws.all_messages(channel)
            if m.user == ws.bot.id and not m.thread_ts
        ]

    @staticmethod
    def _key(metadata: dict[str, object] | None) -> str:
        payload = (metadata or {}).get("event_payload")
        key = payload.get("key") if isinstance(payload, dict) else None
        return key if isinstance(key, str) else ""

    def _named(self, summary: str) -> str:
        """Channel ids as the page shows channels: by name."""
        channels = self.workspace.channels

        def name(found: re.Match[str]) -> str:
            channel = channels.get(found[0])
            return f"#{channel.name}" if channel is not None else found[0]

        return CHANNEL_ID.sub(name, summary)
