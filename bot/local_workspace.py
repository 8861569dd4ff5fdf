"""The playground's workspace for waymark: one channel per partnership group, the digest,
programme and general channels, and a person for every lead and administrator, named as the
road map's people directory (people.csv) names them. `bot.wiring` serves it beside waymark in
`waymark playground`."""

from __future__ import annotations

from config.settings import Settings
from playground.records import Channel, User
from playground.workspace import Workspace
from storage.db import Database
from storage.repositories import PeopleRepository, RoadmapRepository

BOT = User("U0WAYMARK01", "waymark", "Road map bot", is_bot=True)
DIGEST_CHANNEL = "C0DIGEST001"
PROGRAMME_CHANNEL = "C0PROGRAM01"
GENERAL_CHANNEL = "C0GENERAL01"

# The example road map's performance officer (Joanne Clarke in config/example/people.csv): the
# playground's administrator unless WAYMARK_ADMINS names others.
EXAMPLE_ADMINS = ("U0ADMIN0001",)


async def seed(db: Database, settings: Settings, admins: frozenset[str]) -> Workspace:
    """One channel per partnership group plus the digest, programme and general channels; a
    person for every lead and administrator, and someone with no role."""
    async with db.reading() as session:
        groups = await RoadmapRepository(session).groups()
        directory = [p for p in await PeopleRepository(session).everyone() if p.platform == "slack"]
    names = {p.user_id: p for p in directory}
    leads = {lead for g in groups for lead in g.lead_ids}

    def person(user_id: str, role: str) -> User:
        known = names.get(user_id)
        title = ", ".join(part for part in (role, known.organisation if known else "") if part)
        return User(user_id, known.name if known else user_id, title, is_admin=user_id in admins)

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


def local_settings(settings: Settings, database_url: str) -> Settings:
    """The playground's settings: its own database, its own channels for the digest and
    escalations unless configured, and the example's administrator when WAYMARK_ADMINS is not
    set. Slack's and Teams' credentials are dropped: the playground never reaches either (Teams
    is served beside it only for the Agents Playground, TEAMS_ALLOW_ANONYMOUS)."""
    admins = settings.admins or list(EXAMPLE_ADMINS)
    return settings.model_copy(
        update={
            "database_url": database_url,
            "digest_channel": settings.digest_channel or DIGEST_CHANNEL,
            "programme_channel": settings.programme_channel or PROGRAMME_CHANNEL,
            "admins": admins,
            "slack_bot_token": None,
            "slack_signing_secret": None,
            "slack_app_token": None,
            "teams_client_id": None,
            "teams_client_secret": None,
            "teams_tenant_id": None,
        }
    )
