"""Settings, read once at start from the environment and passed down. Only `bot` reads them."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.targets import TargetError, channel_target, channel_targets


def _env(name: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(name))


def _words(value: Any) -> Any:
    """`U1 U2`, `U1,U2` or an empty string, as people write lists in one variable."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable and what to write."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=False)

    database_url: str = Field(
        default="sqlite:///waymark.db", validation_alias=AliasChoices("DATABASE_URL")
    )
    # Seconds a chat answer may wait for the database (each statement, lock and connection)
    # before saying it is not answering: inside Slack's three seconds.
    database_timeout: float = Field(
        default=2.0, gt=0, le=60, validation_alias=AliasChoices("WAYMARK_DATABASE_TIMEOUT")
    )
    timezone: str = Field(
        default="Europe/London", validation_alias=AliasChoices("WAYMARK_TIMEZONE")
    )
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("WAYMARK_ADMINS")
    )

    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: str | None = _env("SLACK_APP_TOKEN")
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL")
    )

    # Kept as written (`C0123`, `teams:19:abc@thread.tacv2`, several for the digest); read into
    # (platform, channel) targets by `config.targets` where they are used.
    digest_channel: str | None = _env("WAYMARK_DIGEST_CHANNEL")
    programme_channel: str | None = _env("WAYMARK_PROGRAMME_CHANNEL")
    reminder_time: time = Field(
        default=time(10, 0), validation_alias=AliasChoices("WAYMARK_REMINDER_TIME")
    )
    digest_time: time = Field(
        default=time(9, 0), validation_alias=AliasChoices("WAYMARK_DIGEST_TIME")
    )
    working_hours: str = Field(
        default="09:00-17:30", validation_alias=AliasChoices("WAYMARK_WORKING_HOURS")
    )
    escalation_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [0, 7, 14], validation_alias=AliasChoices("WAYMARK_ESCALATION_DAYS")
    )
    heads_up_days: int = Field(
        default=0, ge=0, validation_alias=AliasChoices("WAYMARK_HEADS_UP_DAYS")
    )
    # After the escalation, a missing reading is reminded again every this many working days.
    repeat_days: int = Field(default=14, ge=0, validation_alias=AliasChoices("WAYMARK_REPEAT_DAYS"))
    # Written as people say it: `6w`, `42d` or `42` (days).
    action_stale_days: int = Field(
        default=42, validation_alias=AliasChoices("WAYMARK_ACTION_STALE_AFTER")
    )

    # Running it for years: logs, the retention schedule, and the secret behind pseudonyms.
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias=AliasChoices("WAYMARK_LOG_FORMAT")
    )
    retention_days: int = Field(
        default=90, ge=1, validation_alias=AliasChoices("WAYMARK_RETENTION_DAYS")
    )
    pseudonym_key: str | None = _env("WAYMARK_PSEUDONYM_KEY")

    # Microsoft Teams: the app registration's Microsoft Entra ID credentials. Without them,
    # Teams is served only when TEAMS_ALLOW_ANONYMOUS says so (the Agents Playground).
    teams_client_id: str | None = _env("TEAMS_CLIENT_ID")
    teams_client_secret: str | None = _env("TEAMS_CLIENT_SECRET")
    teams_tenant_id: str | None = _env("TEAMS_TENANT_ID")
    teams_allow_anonymous: bool = Field(
        default=False, validation_alias=AliasChoices("TEAMS_ALLOW_ANONYMOUS")
    )
    # Where replies go when an activity names no service URL; tests point it at a stand-in.
    teams_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams",
        validation_alias=AliasChoices("TEAMS_SERVICE_URL"),
    )
    # Microsoft Graph, where waymark reads a channel to check whether a post whose answer was
    # lost arrived. Default: the Graph of the app's cloud; tests point it at a stand-in.
    teams_graph_url: str | None = _env("TEAMS_GRAPH_URL")
    # Where people reach this server (https://waymark.example.gov.uk): a Teams card opens the
    # published report's PDF from it, since Teams will not carry the file (see bot/report_files).
    public_url: str | None = _env("WAYMARK_PUBLIC_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not a time zone; write one like Europe/London"
            ) from None
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: Any) -> Any:
        return _words(value)

    @field_validator("escalation_days", mode="before")
    @classmethod
    def _split_days(cls, value: Any) -> Any:
        return _words(value)

    @field_validator("escalation_days")
    @classmethod
    def _ladder(cls, value: list[int]) -> list[int]:
        if len(value) != 3 or value != sorted(value) or value[0] < 0:
            raise ValueError("write three day counts in rising order, like 0 7 14")
        return value

    @field_validator("action_stale_days", mode="before")
    @classmethod
    def _weeks_or_days(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = re.fullmatch(r"\s*(\d{1,4})\s*([dw]?)\s*", value.lower())
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1) if match else 0
        if days < 1:
            raise ValueError(f"'{value}' is not a length of time: write it like 6w or 42d")
        return days

    @field_validator("digest_channel", "programme_channel")
    @classmethod
    def _channels(cls, value: str | None, info: ValidationInfo) -> str | None:
        variable = _variable_for(info.field_name or "")
        read = channel_target if info.field_name == "programme_channel" else channel_targets
        try:
            read(value, variable)
        except TargetError as error:
            raise ValueError(error.problem) from None
        return value

    @field_validator("teams_service_url")
    @classmethod
    def _a_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"'{value}' is not a URL; write one like https://smba.trafficmanager.net/teams"
            )
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _a_public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"'{value}' is not a URL; write one like https://waymark.example.org")
        return value.rstrip("/") if value else value

    @field_validator("teams_graph_url")
    @classmethod
    def _a_graph_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not a URL; write one like https://graph.microsoft.com")
        return value.rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack-sdk joins method names onto this URL: without the slash, the last part is lost.
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not a URL; write one like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def teams_configured(self) -> bool:
        """Teams credentials are set (all three: see `teams_problems`)."""
        return bool(self.teams_client_id or self.teams_client_secret or self.teams_tenant_id)

    def teams_problems(self) -> list[str]:
        """What is missing for Teams, one line per variable, when only some are set."""
        if not self.teams_configured:
            return []
        named = {
            "TEAMS_CLIENT_ID": self.teams_client_id,
            "TEAMS_CLIENT_SECRET": self.teams_client_secret,
            "TEAMS_TENANT_ID": self.teams_tenant_id,
        }
        return [
            f"{variable}: must be set too when any of TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and "
            "TEAMS_TENANT_ID is (see README, 'Installing in Microsoft Teams')"
            for variable, value in named.items()
            if not value
        ]


def load_settings(**overrides: Any) -> Settings:
    """Read the environment, or stop with a message that names the variable to fix."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "?"
            variable = _variable_for(field)
            message = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        raise SettingsError(
            "Settings need fixing before waymark can start:\n" + "\n".join(lines)
        ) from None


def _variable_for(field: str) -> str:
    """The environment variable behind a field (errors name what people set, not our names)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field
