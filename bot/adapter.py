"""What a platform adapter is given, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.background import Background
from commands.conversations import Core

MessengerT = TypeVar("MessengerT")


@dataclass
class Adapter(Generic[MessengerT]):
    """The core the adapter hands events to, the messenger it posts with, and the tracked
    background work it answers in after acknowledging (charts, confirmations)."""

    core: Core
    messenger: MessengerT
    background: Background
