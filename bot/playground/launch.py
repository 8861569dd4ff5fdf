"""Start waymark against the local playground: the embedded default when no Slack credentials
are set. The playground and waymark's Slack endpoint share one port; waymark's Bolt app reaches
the playground's Web API over HTTP and is reached by signed requests, exactly as with Slack."""

from __future__ import annotations

import csv
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.background import Background
from bot.playground.server import PLAYGROUND, build_playground
from bot.playground.workspace import Channel, User, Workspace
from bot.server import (
    Clock,
    Running,
    health_route,
    listen,
    shared_web_api_session,
    slack_services,
    start_clock,
    teams_if_wanted,
    utc_now,
)
from bot.slack.app import EVENTS_PATH, BoltSlot, add_routes, build_app
from bot.slack.messenger import web_api_session
from commands.roadmap_files.importing import import_roadmap
from config import EXAMPLE_ROADMAP
from config.settings import Settings
from scheduler.jobs import send_reminders, send_weekly_digest
from storage.db import Database
from storage.repositories import RoadmapRepository

log = logging.getLogger(__name__)

BOT = User("U0WAYMARK01", "waymark", "Road map bot", is_bot=True)
DIGEST_CHANNEL = "C0DIGEST001"
PROGRAMME_CHANNEL = "C0PROGRAM01"
GENERAL_CHANNEL = "C0GENERAL01"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    title: str
    role: str  # admin, lead or empty


def people(directory: Path = EXAMPLE_ROADMAP) -> dict[str, Person]:
    """Names and roles for the road map's user ids, from people.csv beside the road map."""
    file = directory / "people.csv"
    if not file.exists():
        return {}
    with file.open(newline="", encoding="utf-8") as handle:
        return {
            row["user_id"]: Person(
                row["user_id"], row["name"], row.get("title", ""), row.get("role", "")
            )
            for row in csv.DictReader(handle)
        }


async def seed(db: Database, settings: Settings, admins: frozenset[str]) -> Workspace:
    """One channel per partnership group plus the digest, programme and general channels; a
    person for every lead and administrator, and someone with no role."""
    async with db.reading() as session:
        groups = await RoadmapRepository(session).groups()
    names = people()
    leads = {lead for g in groups for lead in g.lead_ids}

    def person(user_id: str, fallback_title: str) -> User:
        known = names.get(user_id)
        return User(
            user_id,
            known.name if known else user_id,
            known.title if known else fallback_title,
            is_admin=user_id in admins,
        )

    users = {admin: person(admin, "Administrator") for admin in sorted(admins)}
    for group in groups:
        for lead in group.lead_ids:
            users.setdefault(lead, person(lead, f"Lead, {group.name}"))
    for user_id in names:
        users.setdefault(user_id, person(user_id, ""))
    if all(u.is_admin or u.id in leads for u in users.values()):
        users["U0VISITOR01"] = User("U0VISITOR01", "A visitor", "No role in the road map")
    channels = [Channel(g.channel_id, g.slug, g.name) for g in groups if g.platform == "slack"]
    channels += [
        Channel(settings.digest_channel or DIGEST_CHANNEL, "roadmap-digest", "The weekly digest"),
        Channel(
            settings.programme_channel or PROGRAMME_CHANNEL,
            "roadmap-programme",
            "Escalations from the programme office",
        ),
        Channel(GENERAL_CHANNEL, "general", "Everyone in the partnership"),
    ]
    return Workspace.seed(
        team_name="Road map playground", bot=BOT, users=list(users.values()), channels=channels
    )


def local_settings(settings: Settings) -> Settings:
    """The playground's own channels for the digest and escalations, unless configured, and the
    example's administrator when WAYMARK_ADMINS is not set."""
    admins = settings.admins or [p.user_id for p in people().values() if p.role == "admin"]
    return settings.model_copy(
        update={
            "digest_channel": settings.digest_channel or DIGEST_CHANNEL,
            "programme_channel": settings.programme_channel or PROGRAMME_CHANNEL,
            "admins": admins,
        }
    )


async def start_local(
    settings: Settings,
    *,
    host: str,
    port: int,
    clock: Clock = utc_now,
    tick: bool = True,
) -> Running:
    """Serve the playground page, its Web API and waymark's Slack endpoint on one port.

    The page's "Run reminders now" and "Run digest now" run the scheduler's own passes."""
    settings = local_settings(settings)
    db = Database(settings.database_url)
    await db.migrate()
    async with db.transaction() as session:
        if await RoadmapRepository(session).is_empty():
            await import_roadmap(
                session, EXAMPLE_ROADMAP, actor="waymark playground", now=clock(), tz=settings.zone
            )
    admins = frozenset(settings.admins)
    workspace = await seed(db, settings, admins)
    token, secret = f"xoxb-playground-{secrets.token_hex(8)}", secrets.token_hex(16)
    web_app = build_playground(
        workspace=workspace,
        bot_events_url=None,
        signing_secret=secret,
        bot_token=token,
        public_url=None,
        run_reminders=lambda at: run_reminders(at),
        run_digest=lambda at: run_digest(at),
        time_zone=settings.timezone,
    )
    health_route(web_app, db)
    slot = BoltSlot()
    add_routes(web_app, slot)
    background = Background()
    # Teams beside the playground, for Microsoft's Agents Playground (TEAMS_ALLOW_ANONYMOUS).
    teams = await teams_if_wanted(settings, web_app, db, background, clock)
    runner, bound = await listen(web_app, host, port)
    url = f"http://{host}:{bound}"
    workspace.public_url = url
    web_api = web_api_session()
    services = slack_services(
        settings, db, background, token=token, api_url=f"{url}/api/", clock=clock, admins=admins,
        session=web_api,
    )  # fmt: skip
    slot.app = build_app(
        token=token,
        signing_secret=secret,
        api_url=f"{url}/api/",
        adapter=services,
        session=web_api,
    )
    web_app[PLAYGROUND].delivery.url = f"{url}{EVENTS_PATH}"
    running = Running(runner, db, background, bound, services, teams)
    shared_web_api_session(running, web_api)
    if teams is not None:
        running.closers.append(teams.stop)
    jobs = start_clock(running, settings, clock, tick=tick)

    async def run_reminders(at: datetime | None) -> str:
        summary = await send_reminders(jobs, at or clock())
        if summary.startswith("No reminders at"):
            summary += " To see them anyway, pick a weekday morning in 'As if it were'."
        return summary

    async def run_digest(at: datetime | None) -> str:
        return await send_weekly_digest(jobs, at or clock())

    running.banner = (
        f"waymark is running with its local playground workspace: open {url} in a browser.\n"
        "(No Slack credentials are set; README explains how to connect to Slack.)"
    )
    return running
