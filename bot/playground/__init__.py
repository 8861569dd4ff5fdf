"""A local Slack-compatible workspace: the bot's stand-in for Slack, in a browser and in tests."""

from bot.playground.server import PLAYGROUND, Playground, build_playground, start_playground
from bot.playground.ui import RunHook
from bot.playground.workspace import Channel, User, Workspace

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
