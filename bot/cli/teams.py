"""`waymark teams-package`: the Teams app package to upload to Teams."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.arguments import Commands
from bot.teams_package import build_package
from bot.wiring import Runtime


def register(sub: Commands) -> None:
    """Add `teams-package` to the `waymark` command."""
    help_text = "write the Teams app package (manifest and icons) to upload to Teams"
    parser = sub.add_parser("teams-package", help=help_text, description=help_text)
    parser.set_defaults(handler=run_teams_package)
    parser.add_argument(
        "--app-id", metavar="ID", help="the app's client id (default: TEAMS_CLIENT_ID)"
    )
    parser.add_argument(
        "--organisation", default="Your council", help="who publishes the app, shown in Teams"
    )
    parser.add_argument(
        "--website",
        default="https://www.example.org/waymark",
        metavar="URL",
        help="an https page about waymark at your organisation (also its privacy and terms)",
    )
    parser.add_argument(
        "--out", default="waymark-teams.zip", metavar="FILE", help="where to write the zip"
    )


async def run_teams_package(args: argparse.Namespace, rt: Runtime) -> int:
    app_id = args.app_id or rt.settings.teams_client_id
    out = build_package(
        app_id=app_id or "",
        organisation=args.organisation,
        website=args.website,
        out=Path(args.out),
    )
    print(
        f"Wrote {out} (app id {app_id}). Upload it in Teams: Apps, then Manage your apps, then "
        "Upload an app; or ask your Teams administrator to add it in the Teams admin centre."
    )
    return 0
