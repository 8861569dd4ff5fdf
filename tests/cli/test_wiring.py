"""The composition root builds one core for a server: Slack and Teams answer through the same
rules, the same clock and the same list of administrators."""

from __future__ import annotations

from pathlib import Path

from bot.wiring import start_server
from config.settings import Settings


async def test_slack_and_teams_in_one_server_share_one_core(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'waymark.db'}",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "secret",
            # Credentials, not TEAMS_ALLOW_ANONYMOUS: anonymous Teams is refused beside Slack.
            "TEAMS_CLIENT_ID": "5f1c2a34-8d2e-4f5b-9b57-000000waymark",
            "TEAMS_CLIENT_SECRET": "not-a-real-secret",
            "TEAMS_TENANT_ID": "72f988bf-0000-4000-8000-2d7cd011db47",
            "WAYMARK_ADMINS": "U-ADMIN",
        }
    )
    running = await start_server(settings, host="127.0.0.1", port=0, tick=False)
    try:
        assert running.services is not None
        assert running.teams is not None
        assert running.teams.services.core is running.services.core
        assert running.services.core.services.admins == frozenset({"U-ADMIN"})
    finally:
        await running.stop()
