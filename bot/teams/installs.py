"""waymark added to (or removed from) a team, a chat or a channel in Teams.

Added to a team, it keeps every channel the Bot Connector lists for the team and the names of
its members (through the core's conversation book), so that a group's channel can be reminded
before anyone addresses waymark there, and it says how to use it. Removed, it forgets them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
from microsoft_teams.api.activities import ConversationUpdateActivity
from microsoft_teams.api.activities.install_update import InstalledActivity, UninstalledActivity
from microsoft_teams.apps import ActivityContext

from bot.teams import render
from bot.teams.answering import Teams, inbound_of, remember, where_for
from bot.teams.conversations import Inbound, seen
from bot.teams.messenger import Target, send
from commands.delivery.conversation_book import TeamListing
from commands.presentation.replies import Reply, Section

log = logging.getLogger(__name__)

WELCOME = Reply(
    "waymark is here.",
    (
        Section(
            title="waymark is here",
            text=(
                "I keep the partnership road map: outcomes, readings and their status. "
                "Try `/outcome 12` for an outcome's card, `/outcome list` for them all, "
                "or `/outcome help`. Reminders for a group whose channel is here will "
                "come to this team; reply in a reminder's thread with the number, or type "
                "it in the reminder's box and press Submit reading."
            ),
        ),
    ),
)


def on_conversation_update(teams: Teams) -> Callable[..., Any]:
    async def on_conversation_update(ctx: ActivityContext[ConversationUpdateActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        added = [m.get("id") for m in inbound.raw.get("membersAdded") or []]
        removed = [m.get("id") for m in inbound.raw.get("membersRemoved") or []]
        if inbound.bot_id in removed and inbound.team_id:
            forgotten = await teams.core.book.forget_team(inbound.team_id)
            log.info("removed from team %s: %s channels forgotten", inbound.team_id, forgotten)
            return
        await remember(teams, inbound)
        if inbound.bot_id in added:
            await _installed(teams, inbound)

    return on_conversation_update


def on_install(teams: Teams) -> Callable[..., Any]:
    async def on_install(ctx: ActivityContext[InstalledActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        await remember(teams, inbound)
        if inbound.team_id:
            await _remember_team(teams, inbound)

    return on_install


def on_uninstall(teams: Teams) -> Callable[..., Any]:
    async def on_uninstall(ctx: ActivityContext[UninstalledActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        if inbound.team_id:
            await teams.core.book.forget_team(inbound.team_id)

    return on_uninstall


async def _installed(teams: Teams, inbound: Inbound) -> None:
    """Added to a team or a chat: keep where to post, and say how to use waymark."""
    if inbound.team_id:
        channels = await _remember_team(teams, inbound)
        log.info("added to team %s: %s channels kept", inbound.team_id, len(channels))
    target = Target(inbound.channel_id, inbound.service_url, inbound.bot_id)
    try:
        await send(teams.messenger.api, target, render.message(WELCOME, where_for(inbound)))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not say hello in %s: %r", inbound.channel_id, error)


async def _remember_team(teams: Teams, inbound: Inbound) -> list[str]:
    """Keep the team's channels and members, as far as the Bot Connector lists them; a listing
    that fails leaves what the installing activity itself gave. Returns the channels kept."""
    return await teams.core.book.remember_team(seen(inbound), await _listing(teams, inbound))


async def _listing(teams: Teams, inbound: Inbound) -> TeamListing:
    team_id = inbound.team_id
    if team_id is None:
        return TeamListing()
    scoped = teams.messenger.api.clone(service_url=inbound.service_url)
    channels: list[tuple[str, str | None]] = []
    try:
        for channel in await scoped.teams.get_conversations(team_id):
            channels.append((str(channel.id), channel.name))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not list the channels of team %s: %r", team_id, error)
    members: list[tuple[str, str]] = []
    try:
        for member in await scoped.conversations.get_members(inbound.channel_id):
            person = member.model_dump(by_alias=True, exclude_none=True)
            user = str(person.get("aadObjectId") or person.get("id") or "")
            if user and person.get("name"):
                members.append((user, str(person["name"])))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not list the members of team %s: %r", team_id, error)
    return TeamListing(tuple(channels), tuple(members))
