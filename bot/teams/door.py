"""What is checked at waymark's Teams door: anonymous Teams only for a local trial, and never a
post to a `serviceUrl` that is not the Bot Framework's, unless running that trial."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from microsoft_teams.api import ActivityTypeAdapter
from microsoft_teams.apps.events import CoreActivity
from pydantic import ValidationError

from config.settings import Settings

log = logging.getLogger(__name__)

# Where Teams' Bot Connector lives: the public cloud and the US government clouds. A serviceUrl
# anywhere else would have waymark post (with its token) to whoever sent the activity.
BOT_FRAMEWORK_HOSTS = (
    "smba.trafficmanager.net",
    ".botframework.com",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def anonymous_problem(settings: Settings, host: str) -> str | None:
    """Why Teams must not be served without checking callers, or None for a local trial: on
    this machine only, and never beside a real Slack (an unchecked caller could act as any
    administrator there)."""
    slack = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_APP_TOKEN", settings.slack_app_token),
        )
        if value
    ]
    fix = (
        "set TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID for a real Teams, or "
        "unset TEAMS_ALLOW_ANONYMOUS"
    )
    if slack:
        return (
            f"TEAMS_ALLOW_ANONYMOUS is set beside Slack credentials ({', '.join(slack)}): "
            f"anyone could act as anyone. It is for a local trial only: {fix}."
        )
    if not is_loopback(host):
        return (
            f"TEAMS_ALLOW_ANONYMOUS serves Teams without checking who calls, so only on this "
            f"machine (--host 127.0.0.1), not on {host}: {fix}."
        )
    return None


class ServiceUrls:
    """Which `serviceUrl`s waymark will post to: the Bot Framework's, and the one configured
    (TEAMS_SERVICE_URL); in a local trial, any."""

    def __init__(self, settings: Settings, *, local_trial: bool) -> None:
        self.local_trial = local_trial
        configured = urlsplit(settings.teams_service_url or "")
        self.configured = (configured.scheme, configured.netloc.lower())

    def allows(self, url: str) -> bool:
        if self.local_trial:
            return True
        parts = urlsplit(url)
        if self.configured[1] and (parts.scheme, parts.netloc.lower()) == self.configured:
            return True
        host = parts.hostname or ""
        return parts.scheme == "https" and any(
            host == allowed or (allowed.startswith(".") and host.endswith(allowed))
            for allowed in BOT_FRAMEWORK_HOSTS
        )


def refused(status: int, reason: str) -> None:
    log.warning("refused a Teams activity with %d: %s", status, reason)


def not_an_activity(body: dict[str, Any]) -> str | None:
    """Why `body` is not an activity the Teams SDK can read, or None when it is. The SDK reads
    each body twice over (its core fields, then the activity of its type) and answers a body
    that fails either with a 500 and a logged traceback; waymark answers 400 first, with one
    line in its log, and the SDK never sees it. Teams itself never sends such a body."""
    try:
        core = CoreActivity.model_validate(body)
        ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"][:4]) or "the activity"
        return (
            f"not a Teams activity ({error.error_count()} problems; the first at {where!r}: "
            f"{first['msg']})"
        )
    return None
