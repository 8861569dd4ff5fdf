"""The playground as the one stand-in for Slack's Web API, for tests and the benchmark.

It is the playground's own Web API over a workspace whose bot is in every channel it is asked
about, with no bot to deliver events to. What the bot posted is read back from the workspace;
the workspace's faults make the next calls fail the ways Slack's do (see ``faults``).

In a test: ``with running_standin() as slack:`` serves it on its own thread and event loop, so
async tests, the ``waymark`` command (which runs its own loop) and other processes can all talk
to it. For another process: ``python -m playground.standin --port P --token T`` serves it with
the control routes (``control``) on 127.0.0.1; a bot started with ``SLACK_APP_TOKEN`` set to its
``--app-token`` connects to it in Socket Mode (``socket_mode``).
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from playground.control import Control
from playground.faults import Faults
from playground.records import Message, User, ts_value
from playground.server import build_playground
from playground.workspace import Clock, Workspace

T = TypeVar("T")

BOT_TOKEN = "xoxb-standin"  # noqa: S105 - a stand-in's token, not a secret
APP_TOKEN = "xapp-standin"  # noqa: S105 - the app-level token it takes for Socket Mode
BOT = User("U0WAYMARK", "waymark", "Road map bot", is_bot=True)
POST = "chat.postMessage"
START_SECONDS = 10.0


def standin_workspace(clock: Clock = time.time) -> Workspace:
    """A workspace with only the bot in it, which is in any channel it is asked about."""
    return Workspace(
        team_id="T0STANDIN",
        team_name="Stand-in",
        bot=BOT,
        bot_id="B0WAYMARK",
        app_id="A0WAYMARK",
        clock=clock,
        open_channels=True,
    )


def build_standin(
    token: str = BOT_TOKEN, workspace: Workspace | None = None, *, app_token: str = APP_TOKEN
) -> web.Application:
    """The playground's Web API (and page) for `token`, with the control routes; a bot that
    opens a Socket Mode connection with `app_token` gets its events over the WebSocket."""
    workspace = workspace or standin_workspace()
    app = build_playground(
        workspace=workspace,
        bot_events_url=None,
        signing_secret="unused: the stand-in sends no signed requests",  # noqa: S106
        bot_token=token,
        public_url=None,
        app_token=app_token,
    )
    app.add_routes(Control(workspace).routes())
    return app


@dataclass(frozen=True)
class Posted:
    """A message the bot posted, as a test reads it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    thread_ts: str | None
    files: tuple[str, ...] = ()  # the ids of the files shared with it

    @property
    def key(self) -> str | None:
        """The key waymark puts in a post's metadata, to find it again."""
        return ((self.metadata or {}).get("event_payload") or {}).get("key")

    @property
    def words(self) -> str:
        """Everything a person reads in the message: its blocks' text, mentions included."""
        parts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    parts.append(node["text"])
                for value in node.values():
                    if isinstance(value, dict | list):
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks)
        return "\n".join(parts)


@dataclass(frozen=True)
class Chart:
    """A file the bot uploaded, with its bytes."""

    file_id: str
    filename: str
    alt_txt: str
    data: bytes


class StandIn:
    """A stand-in served on its own thread: what the bot posted, and switches for the next
    calls. Everything touches the workspace on the stand-in's own event loop."""

    def __init__(self, workspace: Workspace, loop: asyncio.AbstractEventLoop, url: str) -> None:
        self.workspace = workspace
        self.url = url
        self._loop = loop

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def _on_loop(self, work: Callable[[], T]) -> T:
        async def run() -> T:
            return work()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_SECONDS)

    # What tests read

    @property
    def posts(self) -> list[Posted]:
        """Every message the bot posted (a thread reply too), oldest first."""
        return self._on_loop(self._posts)

    def _posts(self) -> list[Posted]:
        ws = self.workspace
        found: list[Message] = []
        for channel in list(ws.channels):
            found += [m for m in ws.all_messages(channel) if m.user == ws.bot.id and not m.subtype]
        found.sort(key=lambda m: ts_value(m.ts))
        return [
            Posted(
                m.channel,
                m.ts,
                m.text,
                list(m.blocks or []),
                m.metadata,
                m.thread_ts,
                tuple(m.files),
            )
            for m in found
        ]

    def post_keys(self) -> list[str | None]:
        return [m.key for m in self.posts]

    def in_channel(self, channel: str) -> list[Posted]:
        return [m for m in self.posts if m.channel == channel]

    def charts(self) -> list[Chart]:
        """Files uploaded with their bytes: the charts messages show by file id."""
        return self._on_loop(
            lambda: [
                Chart(f.id, f.name, f.alt_txt, f.content)
                for f in self.workspace.files.values()
                if f.content is not None
            ]
        )

    @property
    def calls(self) -> list[str]:
        """The Web API methods called, in order, answered or not."""
        return self._on_loop(lambda: [c.method for c in self.workspace.calls])

    # Switches: how the next calls fail

    def faults(self, change: Callable[[Faults], None]) -> None:
        self._on_loop(lambda: change(self.workspace.faults))

    def refuse_next_post(self, error: str) -> None:
        self.faults(lambda f: f.fail_next(POST, error))

    def rate_limit_next_post(self, retry_after: int = 0) -> None:
        self.faults(lambda f: f.rate_limit(POST, retry_after=retry_after))

    def fail_before_posting(self, status: int = 500) -> None:
        self.faults(lambda f: f.server_error(POST, status=status))

    def fail_after_posting(self, status: int = 503) -> None:
        self.faults(lambda f: f.error_after(POST, status=status))

    def lose_next_answer(self) -> None:
        self.faults(lambda f: f.lose_answer(POST))

    def hold_next_answer(self) -> None:
        """The next post is stored and its answer held until `release()`."""
        self.faults(lambda f: f.slow(POST))

    def release(self) -> None:
        self.faults(lambda f: f.release())

    def refuse_history(self, error: str) -> None:
        """Every `conversations.history` answers `error` (a scope not granted)."""
        self.faults(lambda f: f.fail_next("conversations.history", error, times=None))


@contextmanager
def running_standin(
    token: str = BOT_TOKEN, *, clock: Clock = time.time, host: str = "127.0.0.1", port: int = 0
) -> Iterator[StandIn]:
    """A stand-in serving on `port` (0: a free one), on its own thread, for the `with` block."""
    workspace = standin_workspace(clock)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(build_standin(token, workspace), access_log=None)
    urls: list[str] = []

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        urls.append(f"http://{bound_host}:{bound_port}")
        workspace.public_url = urls[0]
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="slack-standin", daemon=True)
    thread.start()
    if not ready.wait(START_SECONDS):
        raise RuntimeError("the Slack stand-in did not start")
    try:
        yield StandIn(workspace, loop, urls[0])
    finally:
        # Answers held back would hold the shutdown up: let them go first.
        loop.call_soon_threadsafe(workspace.faults.clear)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_SECONDS)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.standin", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default=BOT_TOKEN, help="the bot token it accepts")
    parser.add_argument(
        "--app-token", default=APP_TOKEN, help="the app-level token it accepts, for Socket Mode"
    )
    args = parser.parse_args(argv)
    workspace = standin_workspace()
    workspace.public_url = f"http://127.0.0.1:{args.port}"
    web.run_app(
        build_standin(args.token, workspace, app_token=args.app_token),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
