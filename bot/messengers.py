"""A messenger for each chat platform a run posts to, from the settings, and the channels the
digest and escalations go to. Part of the composition root (`bot.wiring`): a platform that a run
needs and that is not set up stops it with a message naming what to set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.slack.messenger import SlackMessenger, posting_client
from commands.delivery.conversation_book import ConversationBook
from commands.errors import UserError
from commands.ports import Messenger
from config.settings import Settings
from config.targets import Target, TargetError, channel_target, channel_targets
from storage.db import Database
from storage.repositories import RoadmapRepository

DIGEST_VARIABLE = "WAYMARK_DIGEST_CHANNEL"
PROGRAMME_VARIABLE = "WAYMARK_PROGRAMME_CHANNEL"
# What to set for each platform waymark posts to, and what it is.
_CREDENTIALS = {
    "slack": ("SLACK_BOT_TOKEN is not set", "the bot token (xoxb-…)", "Set it"),
    "teams": (
        "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID are not set",
        "the Teams app's credentials",
        "Set them (see README, 'Installing in Teams')",
    ),
}


def teams_wanted(settings: Settings) -> bool:
    return settings.teams_configured or settings.teams_allow_anonymous


async def platforms_needed(
    settings: Settings, db: Database, *, reminders: bool = True, digest: bool = True
) -> dict[str, list[str]]:
    """Each platform a run posts to, with what it posts there, in words: the digest's
    channels, and for reminders the programme channel and every group's channel."""
    needs: dict[str, list[str]] = {}
    if digest:
        for target in digest_targets(settings):
            needs.setdefault(target.platform, []).append(f"the digest channel {target.channel}")
    if reminders:
        programme = programme_target(settings)
        if programme is not None:
            needs.setdefault(programme.platform, []).append(
                f"the programme channel {programme.channel}"
            )
        async with db.reading() as session:
            for group in await RoadmapRepository(session).groups():
                needs.setdefault(group.platform, []).append(f"{group.name}'s channel")
    return needs


async def messengers_from(
    settings: Settings,
    db: Database,
    *,
    reminders: bool = True,
    digest: bool = True,
    held: list[str] | None = None,
) -> dict[str, Messenger]:
    """A messenger for each platform that is set up. Stops, naming what to set, when a
    platform the run posts to (see `platforms_needed`) is not. Close them with
    `close_messengers`. Given `held`, a road map in Slack and Teams with only one of them set
    up is not refused whole: the other's messages wait in the outbox, a line each in `held`;
    it stops only when no platform the run posts to is set up."""
    messengers, missing = await _messengers(settings, db, reminders=reminders, digest=digest)
    if missing and (held is None or not messengers.keys() - missing.keys()):
        await close_messengers(messengers)
        raise UserError("\n".join(_not_set(p, wanted) for p, wanted in missing.items()))
    if held is not None:
        held.extend(_held(p, wanted) for p, wanted in missing.items())
    return messengers


async def _messengers(
    settings: Settings, db: Database, *, reminders: bool, digest: bool
) -> tuple[dict[str, Messenger], dict[str, list[str]]]:
    """The messengers that can be made, and what is needed on each platform that cannot."""
    needs = await platforms_needed(settings, db, reminders=reminders, digest=digest)
    messengers: dict[str, Messenger] = {}
    if settings.slack_bot_token:
        client = posting_client(settings.slack_bot_token, settings.slack_api_url)
        messengers["slack"] = SlackMessenger(client)
    if teams_wanted(settings):
        from bot.teams.app import teams_messenger

        teams = teams_messenger(settings, ConversationBook(db, lambda: datetime.now(UTC)))
        if teams is not None:
            messengers["teams"] = teams
    return messengers, {p: needs[p] for p in sorted(needs) if p not in messengers}


def _held(platform: str, wanted: Sequence[str]) -> str:
    unset, _, fix = _CREDENTIALS.get(platform, (f"{platform} is not set up", "", "Set it up"))
    return (
        f"{unset}, so nothing was posted to {_listed(wanted)}: those messages wait in the "
        f"outbox (`waymark outbox`) and go at the next pass once it is. {fix}."
    )


def _listed(wanted: Sequence[str]) -> str:
    return ", ".join(wanted[:3]) + (f" and {len(wanted) - 3} more" if len(wanted) > 3 else "")


def _not_set(platform: str, wanted: Sequence[str]) -> str:
    unset, what, fix = _CREDENTIALS.get(
        platform, (f"{platform} is not set up", f"a {platform} connection", "Set it up")
    )
    return (
        f"{unset}: waymark needs {what} to post to {_listed(wanted)}. "
        f"{fix}, or add --dry-run to see what would be posted."
    )


async def close_messengers(messengers: Mapping[str, Messenger]) -> None:
    """Close the connections a run's messengers keep open (Teams' clients keep theirs)."""
    teams = messengers.get("teams")
    if teams is not None:
        from bot.teams.messenger import TeamsMessenger

        if isinstance(teams, TeamsMessenger):
            await teams.close()


def digest_targets(settings: Settings) -> tuple[Target, ...]:
    """Every channel the weekly digest goes to, from WAYMARK_DIGEST_CHANNEL."""
    try:
        return channel_targets(settings.digest_channel, DIGEST_VARIABLE)
    except TargetError as error:
        raise UserError(str(error)) from None


def programme_target(settings: Settings) -> Target | None:
    """The channel escalations go to, from WAYMARK_PROGRAMME_CHANNEL."""
    try:
        return channel_target(settings.programme_channel, PROGRAMME_VARIABLE)
    except TargetError as error:
        raise UserError(str(error)) from None


def need_channel(value: str | None, variable: str, purpose: str) -> str:
    if not value or not value.replace(",", " ").strip():
        raise UserError(
            f"{variable} is not set: it is the channel {purpose}. Set it to a Slack channel id "
            "like C0123456789, or teams:19:abc@thread.tacv2 for a Teams channel."
        )
    return value
