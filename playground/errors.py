"""The one exception the playground raises for anything Slack would answer with an error code."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Slack error code (``channel_not_found``...) plus any extra fields Slack sends with it.

    The Web API turns it into ``{"ok": false, "error": code, **extra}``; the browser routes show
    ``message`` when there is one, because people should not have to read error codes.
    """

    def __init__(self, error: str, *, message: str = "", **extra: Any) -> None:
        super().__init__(message or error)
        self.error = error
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}
