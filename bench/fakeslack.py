"""A minimal stand-in for Slack's Web API, run as `python -m bench.fakeslack --port P`.

It answers what waymark calls while it is measured (auth.test, chat.postMessage, reactions.add,
the three steps of a file upload) and takes posts to response URLs (`/response/TOKEN`), and
counts them. The bench reads the counts from `GET /bench/counts` and waits for work done after
an answer (a confirmation, a chart) with `GET /bench/wait?name=chat.postMessage&count=N`.
It runs in its own process so that it never competes with the load generator's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
from collections import Counter

from aiohttp import web

BOT_USER = "U0WAYMARK"
BOT_ID = "B0WAYMARK"
TEAM = "T0BENCH"
WAIT_LIMIT = 60.0


class FakeSlack:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._files = itertools.count(1)

    async def _seen(self, name: str) -> None:
        async with self.changed:
            self.counts[name] += 1
            self.changed.notify_all()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/api/{method}", self.api)
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_post("/response/{token}", self.response_url)
        app.router.add_get("/bench/counts", self.get_counts)
        app.router.add_get("/bench/wait", self.wait)
        return app

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        await self._seen(method)
        body: dict[str, object] = {"ok": True}
        match method:
            case "auth.test":
                body |= {"user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "team": "Bench",
                         "url": "https://bench.invalid/", "user": "waymark"}  # fmt: skip
            case "chat.postMessage" | "chat.postEphemeral":
                body |= {"ts": f"1770000000.{next(self._ts):06d}", "channel": "C0BENCH"}
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._files):08d}"
                host = request.host
                body |= {"file_id": file_id, "upload_url": f"http://{host}/upload/{file_id}"}
            case "files.completeUploadExternal":
                body |= {"files": [{"id": "F0", "title": "chart"}]}
        return web.json_response(body)

    async def upload(self, request: web.Request) -> web.Response:
        await request.read()
        await self._seen("upload")
        return web.Response(text="OK")

    async def response_url(self, request: web.Request) -> web.Response:
        await request.read()
        await self._seen("response")
        return web.Response(text="ok")

    async def get_counts(self, _request: web.Request) -> web.Response:
        return web.json_response(dict(self.counts))

    async def wait(self, request: web.Request) -> web.Response:
        """Answer once `name` has been called `count` times, or after `timeout` seconds."""
        name = request.query["name"]
        count = int(request.query["count"])
        timeout = min(float(request.query.get("timeout", "10")), WAIT_LIMIT)
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: self.counts[name] >= count), timeout
                )
            return web.json_response({"name": name, "count": self.counts[name]})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fakeslack", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(FakeSlack().app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
