"""The composition root: settings -> database -> messengers -> jobs -> apps, built here once for
every entry point (the `waymark` command, `waymark serve`, `waymark playground` and the
benchmarks). The command line only parses arguments and prints; nothing else builds these.

The Teams SDK takes seconds and tens of megabytes to import and is an optional extra: it is
imported only when Teams is set up. The playground is a separate tool, imported only by
`start_playground`."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web

from bot.adapter import Adapter
from bot.background import Background, watching_changes
from bot.clock import start_clock
from bot.messengers import (
    close_messengers,
    digest_targets,
    messengers_from,
    programme_target,
    teams_wanted,
)
from bot.metrics import Metrics, metrics_route
from bot.report_files import report_files_route
from bot.server import Running, close_session_last, health_route, listen, socket_mode
from bot.slack.app import EVENTS_PATH, BoltSlot, add_routes, build_app
from bot.slack.messenger import SlackMessenger, posting_client, web_api_session
from commands.comparators.importing import COMPARATORS_FILE, import_comparators
from commands.conversations import Core
from commands.delivery.outbox import LEASE
from commands.domain.calendar import CalendarError, Timetable, parse_working_hours
from commands.domain.status import local_today
from commands.errors import UserError
from commands.ports import Messenger
from commands.readings.standing import keep_statuses_once_migrated
from commands.reminders.bank_holidays import england_and_wales
from commands.roadmap_files.importing import ImportReport, import_roadmap
from config import EXAMPLE_ROADMAP
from config.settings import Settings, SettingsError
from scheduler.jobs import Housekeeping, JobContext
from scheduler.setup import Clock
from storage.db import Database
from storage.repositories import RoadmapRepository

if TYPE_CHECKING:
    from bot.teams.app import TeamsRunning


def utc_now() -> datetime:
    return datetime.now(UTC)


# ----- settings -> database


@dataclass
class Runtime:
    """What every command is given: settings, the database, the time zone and `now`, with the
    clock that goes on from it (None when `now` is a pretend time, `--at`)."""

    settings: Settings
    db: Database
    tz: ZoneInfo
    now: datetime
    clock: Callable[[], datetime] | None = None

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)


def moment(at: datetime | date | None, tz: ZoneInfo) -> datetime:
    """`--at` as an instant: a local date and time, or a date (midday there); None is now."""
    if at is None:
        return utc_now()
    if isinstance(at, datetime):
        return (at if at.tzinfo else at.replace(tzinfo=tz)).astimezone(UTC)
    # A bare date stands for midday there: clear of midnight on both sides of a clock change.
    return datetime.combine(at, time(12, 0), tzinfo=tz).astimezone(UTC)


@contextlib.asynccontextmanager
async def runtime(settings: Settings, at: datetime | date | None = None) -> AsyncIterator[Runtime]:
    """The database, migrated, for one command, and disposed of after it."""
    db = Database(settings.database_url)
    try:
        await db.migrate()
        await keep_statuses_once_migrated(db)
        yield Runtime(
            settings, db, settings.zone, moment(at, settings.zone), None if at else utc_now
        )
    finally:
        await db.dispose()


async def load_example_if_empty(
    db: Database, *, actor: str, now: datetime, tz: ZoneInfo
) -> ImportReport | None:
    """Load the example road map into a database that holds none; None when it holds one."""
    async with db.transaction() as session:
        roadmap = RoadmapRepository(session)
        await roadmap.lock_for_loading()
        if not await roadmap.is_empty():
            return None
        report = await import_roadmap(session, EXAMPLE_ROADMAP, actor=actor, now=now, tz=tz)
        await import_comparators(session, EXAMPLE_ROADMAP / COMPARATORS_FILE, actor=actor, now=now)
        return report


# ----- jobs


def timetable_from(settings: Settings) -> Timetable:
    try:
        hours = parse_working_hours(settings.working_hours)
    except CalendarError as error:
        raise UserError(f"WAYMARK_WORKING_HOURS: {error}") from None
    days = settings.escalation_days
    return Timetable(
        tz=settings.zone,
        reminder_time=settings.reminder_time,
        digest_time=settings.digest_time,
        working_hours=hours,
        escalation_days=(days[0], days[1], days[2]),
        heads_up_days=settings.heads_up_days,
        repeat_days=settings.repeat_days,
        action_stale_days=settings.action_stale_days,
        bank_holidays=england_and_wales,
    )


def job_context(
    settings: Settings,
    db: Database,
    messengers: Mapping[str, Messenger],
    *,
    lease: timedelta = LEASE,
    clock: Clock | None = None,
    housekeeping: bool = False,
) -> JobContext:
    """What the scheduler's jobs need, from the settings: for `waymark serve` too, with the
    messenger its Slack listeners use (one messenger keeps one pace per channel). A digest or
    escalation for a platform missing from `messengers` waits in the outbox until there is one.
    With `housekeeping`, passes also remove expired records daily (WAYMARK_RETENTION_DAYS)."""
    return JobContext(
        db=db,
        messengers=messengers,
        timetable=timetable_from(settings),
        digest_targets=digest_targets(settings),
        programme=programme_target(settings),
        lease=lease,
        clock=clock,
        housekeeping=Housekeeping(settings.retention_days) if housekeeping else None,
    )


@contextlib.asynccontextmanager
async def jobs_for(
    rt: Runtime,
    *,
    post: bool,
    reminders: bool = True,
    digest: bool = True,
    lease: timedelta = LEASE,
    clock: Clock | None = None,
    housekeeping: bool = False,
    held: list[str] | None = None,
) -> AsyncIterator[JobContext]:
    """The jobs' context for one run; with `post`, messengers for what the run posts (the
    reminders, the digest, or both), closed when the run ends. The outbox follows `clock` as
    it sends; a run at a pretend time (`--at`, clock None) keeps that moment throughout.
    Given `held`, a platform that is not set up holds its messages (a line each in `held`)
    rather than stop the run, as long as another platform it posts to is set up."""
    messengers: dict[str, Messenger] = {}
    if post:
        messengers = await messengers_from(
            rt.settings, rt.db, reminders=reminders, digest=digest, held=held
        )
    try:
        yield job_context(
            rt.settings, rt.db, messengers, lease=lease, clock=clock, housekeeping=housekeeping
        )
    finally:
        await close_messengers(messengers)


def server_jobs(running: Running, settings: Settings) -> JobContext:
    """The scheduler's jobs in a server, posting through the same messengers as its listeners
    (one pace per channel)."""
    messengers: dict[str, Messenger] = {}
    if running.services is not None:
        messengers["slack"] = running.services.messenger
    if running.teams is not None:
        messengers["teams"] = running.teams.messenger
    return job_context(settings, running.db, messengers, housekeeping=True)


# ----- apps


def missing_credentials(settings: Settings) -> list[str]:
    """What `waymark serve` lacks to answer Slack or Teams, one line each; empty when it can."""
    if settings.slack_bot_token:
        if settings.slack_app_token or settings.slack_signing_secret:
            return []
        return [
            "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN, for Socket Mode) is not set: waymark "
            "needs it to answer Slack (README: 'Installing in Slack')."
        ]
    if settings.teams_configured:
        return settings.teams_problems()
    return [
        "Neither Slack nor Teams is set up, so `waymark serve` has nothing to answer. Set "
        "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN, for Socket Mode) for "
        "Slack, or TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID for Teams. To try "
        "waymark without them, run `waymark playground`."
    ]


def core_for(settings: Settings, db: Database, clock: Clock, metrics: Metrics) -> Core:
    """The one core a server's Slack and Teams adapters share, watched by `metrics`."""
    core = Core(
        db, clock=clock, tz=settings.zone, admins=frozenset(settings.admins), observer=metrics,
        public_url=settings.public_url,
    )  # fmt: skip
    metrics.count_kept(core.answers)
    return core


def slack_adapter(
    core: Core, background: Background, *, token: str, api_url: str, session: ClientSession
) -> Adapter[SlackMessenger]:
    messenger = SlackMessenger(posting_client(token, api_url, session=session))
    return Adapter(core, messenger, background)


async def teams_if_wanted(
    settings: Settings, web_app: web.Application, core: Core, background: Background, host: str
) -> TeamsRunning | None:
    """Serve Teams on `web_app` when it is set up (or TEAMS_ALLOW_ANONYMOUS says so)."""
    if not teams_wanted(settings):
        return None
    from bot.teams.app import start_teams

    return await start_teams(settings, web_app, core=core, background=background, host=host)


async def start_server(
    settings: Settings,
    *,
    host: str,
    port: int,
    clock: Clock = utc_now,
    tick: bool = True,
    sock: socket.socket | None = None,
) -> Running:
    """`waymark serve`: Slack (HTTP on `port`, or Socket Mode when SLACK_APP_TOKEN is set) and
    Teams at `/api/messages` on the same port, each when its credentials are set, and the
    scheduler's clock. Without credentials for either it stops, saying what to set."""
    problems = missing_credentials(settings)
    if problems:
        raise SettingsError("\n".join(problems))
    db = Database(settings.database_url, timeout=settings.database_timeout)
    await db.migrate()
    await keep_statuses_once_migrated(db)
    background, metrics = Background(), Metrics()
    core = core_for(settings, db, clock, metrics)
    web_app = web.Application()
    health = health_route(web_app, db)
    metrics_route(web_app, db, metrics)
    report_files_route(web_app, db)
    services, app, session = None, None, None
    if settings.slack_bot_token:
        session = web_api_session()
        token, api_url = settings.slack_bot_token, settings.slack_api_url
        services = slack_adapter(core, background, token=token, api_url=api_url, session=session)
        app = build_app(
            token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret or "unused-in-socket-mode",
            api_url=settings.slack_api_url,
            adapter=services,
            session=session,
        )
        if not settings.slack_app_token:
            add_routes(web_app, BoltSlot(app, settings.slack_signing_secret or ""))
    teams = await teams_if_wanted(settings, web_app, core, background, host)
    try:
        runner, bound = await listen(web_app, host, port, sock=sock)
    except UserError:
        if teams is not None:
            await teams.stop()
        if session is not None:
            await session.close()
        await db.dispose()
        raise
    running = Running(runner, db, background, bound, services, teams, health=health)
    running.closers.append(await watching_changes(db, core))
    if session is not None:
        close_session_last(running, session)
    banners = []
    if app is not None and settings.slack_app_token:
        running.closers.append(await socket_mode(app, settings.slack_app_token))
        banners.append(f"waymark is connected to Slack in Socket Mode (health: port {bound}).")
    elif app is not None:
        banners.append(f"waymark is answering Slack at http://{host}:{bound}{EVENTS_PATH}")
    if teams is not None:
        running.closers.append(teams.stop)
        banners.append(f"waymark is answering Teams at http://{host}:{bound}/api/messages")
    running.banner = "\n".join(banners)
    start_clock(running, server_jobs(running, settings), clock, tick=tick, metrics=metrics)
    return running


async def start_playground(
    settings: Settings,
    *,
    host: str,
    port: int,
    database_url: str,
    clock: Clock = utc_now,
    tick: bool = True,
) -> Running:
    """`waymark playground`: the local playground workspace with waymark answering it exactly as
    it answers Slack (signed requests in, Web API calls out, one port), on its own database,
    with the example road map loaded when that is empty. The page's "Run reminders now" and
    "Run digest now" run the scheduler's own passes."""
    try:
        # A tool beside the product: an installation (the Docker image) may leave it out.
        from bot.local_passes import LocalPasses
        from bot.local_workspace import local_settings, seed
        from playground import PLAYGROUND, build_playground
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "playground":
            raise
        raise UserError(
            "The playground is not part of this installation of waymark (the Docker image "
            "leaves it out): run it from a checkout, with `bash .ci/start`."
        ) from None

    settings = local_settings(settings, database_url)
    db = Database(settings.database_url, timeout=settings.database_timeout)
    await db.migrate()
    await keep_statuses_once_migrated(db)
    await load_example_if_empty(db, actor="waymark playground", now=clock(), tz=settings.zone)
    metrics = Metrics()
    core = core_for(settings, db, clock, metrics)
    workspace = await seed(db, settings, core.services.admins)
    token, secret = f"xoxb-playground-{secrets.token_hex(8)}", secrets.token_hex(16)
    passes = LocalPasses(clock, workspace)
    web_app = build_playground(
        workspace=workspace, bot_events_url=None, signing_secret=secret, bot_token=token,
        public_url=None, run_reminders=passes.reminders, run_digest=passes.digest,
        time_zone=settings.timezone,
    )  # fmt: skip
    health = health_route(web_app, db)
    metrics_route(web_app, db, metrics)
    slot = BoltSlot()
    add_routes(web_app, slot)
    background = Background()
    # Teams beside the playground, for Microsoft's Agents Playground (TEAMS_ALLOW_ANONYMOUS).
    teams = await teams_if_wanted(settings, web_app, core, background, host)
    try:
        runner, bound = await listen(web_app, host, port)
    except UserError:
        if teams is not None:
            await teams.stop()
        await db.dispose()
        raise
    url = f"http://{'[::1]' if host == '::1' else host}:{bound}"
    workspace.public_url = url
    web_api = web_api_session()
    services = slack_adapter(core, background, token=token, api_url=f"{url}/api/", session=web_api)
    slot.signing_secret = secret
    slot.app = build_app(
        token=token, signing_secret=secret, api_url=f"{url}/api/", adapter=services,
        session=web_api,
    )  # fmt: skip
    web_app[PLAYGROUND].delivery.url = f"{url}{EVENTS_PATH}"
    running = Running(runner, db, background, bound, services, teams, health=health)
    running.closers.append(await watching_changes(db, core))
    close_session_last(running, web_api)
    if teams is not None:
        running.closers.append(teams.stop)
    jobs = server_jobs(running, settings)
    passes.jobs = start_clock(running, jobs, clock, tick=tick, metrics=metrics)
    running.banner = (
        f"waymark's playground is running on {database_url}: open {url} in a browser. Ctrl-C "
        "stops it.\n(It never reaches Slack or Teams; README explains how to connect them.)"
    )
    return running
