"""The floor waymark's answers are measured against: `python -m bench.floor --port P`.

A Bolt AsyncApp built and served exactly as waymark's (the same aiohttp adapter,
`process_before_response=True`, a bot token whose auth.test goes to the same Slack stand-in, a
signing secret), whose `/outcome` handler only acknowledges, and which answers a thread reply
as waymark does on Slack's side only: acknowledged, then a tick on the reply and a line in its
thread, through slack-sdk, after Slack is answered. What it costs is Bolt, aiohttp, HTTP and
the two Web API calls; what waymark costs beyond it is waymark's. Configured from the same
environment variables as `waymark serve`: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

# waymark's tick (`bot.slack.listeners.TICK`), written here: the floor imports none of waymark,
# so that its process carries only what Bolt does.
TICK = "white_check_mark"


def build_floor(*, token: str, signing_secret: str, api_url: str) -> web.Application:
    app = AsyncApp(
        signing_secret=signing_secret,
        client=AsyncWebClient(token=token, base_url=api_url),
        process_before_response=True,
    )

    @app.command("/outcome")
    async def on_outcome(ack: AsyncAck) -> None:
        await ack()

    confirming: set[asyncio.Task[None]] = set()  # kept until done: the loop holds tasks weakly

    @app.event("message")
    async def on_reply(event: dict[str, Any], client: AsyncWebClient) -> None:
        channel, ts, thread = event["channel"], event["ts"], event["thread_ts"]

        async def confirm() -> None:
            await client.reactions_add(channel=channel, timestamp=ts, name=TICK)
            await client.chat_postMessage(channel=channel, thread_ts=thread, text="Recorded.")

        task = asyncio.create_task(confirm())
        confirming.add(task)
        task.add_done_callback(confirming.discard)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web_app = build_floor(
        token=os.environ["SLACK_BOT_TOKEN"],
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        api_url=os.environ["SLACK_API_URL"],
    )
    web.run_app(web_app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
