"""The Slack stand-in (the playground's Web API) in its own process, as the bench sees it:
through its control routes."""

from __future__ import annotations

import aiohttp

from bench.processes import Process


class StandIn:
    """How many calls of each kind the stand-in has had, and what the people the bench plays
    said before they said it."""

    def __init__(self, session: aiohttp.ClientSession, process: Process) -> None:
        self.session = session
        self.url = process.url

    async def counts(self) -> dict[str, int]:
        async with self.session.get(f"{self.url}/control/counts") as response:
            found: dict[str, int] = await response.json()
            return found

    async def wait(self, name: str, count: int, within: float) -> int:
        async with self.session.get(
            f"{self.url}/control/wait",
            params={"name": name, "count": str(count), "timeout": str(within)},
            timeout=aiohttp.ClientTimeout(total=within + 5),
        ) as response:
            return int((await response.json())["count"])

    async def response_url(self, user: str, channel: str) -> str:
        """A fresh response URL, as Slack sends with each command (each takes five answers)."""
        body = {"user": user, "channel": channel}
        async with self.session.post(f"{self.url}/control/response-urls", json=body) as response:
            response.raise_for_status()
            return str((await response.json())["url"])

    async def adopt(self, messages: list[dict[str, str]]) -> None:
        """Messages already in their channels: the bot's cards, the leads' replies."""
        async with self.session.post(
            f"{self.url}/control/messages", json={"messages": messages}
        ) as response:
            response.raise_for_status()
