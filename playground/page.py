"""The page a person opens: ``/`` and its static files, plus Slack-style permalinks."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"


class Page:
    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self.index),
            web.get("/archives/{channel}/{message}", self.permalink),
            web.static("/ui/static", STATIC_DIR),
        ]

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def permalink(self, request: web.Request) -> web.Response:
        """Open a ``chat.getPermalink`` link (``/archives/C123/p1764154321000100``) in the page."""
        found = re.fullmatch(r"p(\d+)(\d{6})", request.match_info["message"])
        if found is None:
            raise web.HTTPNotFound(text="That link does not point at a message.")
        query = {"channel": request.match_info["channel"], "ts": f"{found[1]}.{found[2]}"}
        thread_ts = request.query.get("thread_ts")
        if thread_ts:
            query["thread"] = thread_ts
        raise web.HTTPFound(f"/?{urlencode(query)}")
