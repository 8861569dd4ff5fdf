"""A local Slack-compatible workspace: the bot's stand-in for Slack, in a browser and in tests."""

from playground.records import Channel, User
from playground.server import PLAYGROUND, Playground, build_playground, start_playground
from playground.ui import RunHook
from playground.workspace import Workspace

__all__ = [
    "PLAYGROUND",
    "Channel",
    "Playground",
    "RunHook",
    "User",
    "Workspace",
    "build_playground",
    "start_playground",
]
