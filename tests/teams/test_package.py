"""`waymark teams-package`: the zip a Teams administrator uploads."""

from __future__ import annotations

import argparse
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.teams_package import build_package, png_size, register_teams_cli
from commands.errors import UserError

APP_ID = "5f1c2a34-8d2e-4f5b-9b57-2a1e9c7d4b10"


def with_teams_package(
    build: Callable[[], argparse.ArgumentParser],
) -> Callable[[], argparse.ArgumentParser]:
    """The `waymark` parser with `teams-package`, as bot/cli.py wires it."""

    def build_parser() -> argparse.ArgumentParser:
        parser = build()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "teams-package" not in sub.choices:
            register_teams_cli(sub)
        return parser

    return build_parser


def test_the_package_holds_the_manifest_with_the_app_id_and_both_icons(tmp_path: Path) -> None:
    out = build_package(
        app_id=APP_ID,
        organisation="Luton Borough Council",
        website="https://www.luton.gov.uk/waymark",
        out=tmp_path / "waymark.zip",
    )
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["developer"]["name"] == "Luton Borough Council"
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in manifest[
        "authorization"
    ]["permissions"]["resourceSpecific"]
    assert "{{" not in json.dumps(manifest)


def test_a_missing_app_id_says_where_to_find_it(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Application \\(client\\) ID"):
        build_package(app_id="", organisation="x", website="https://x.org", out=tmp_path / "a.zip")


def test_waymark_teams_package_writes_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "build_parser", with_teams_package(cli.build_parser))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'waymark.db'}")
    monkeypatch.setenv("TEAMS_CLIENT_ID", APP_ID)
    out = tmp_path / "package.zip"
    assert cli.main(["teams-package", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {out} (app id {APP_ID}).")
    with zipfile.ZipFile(out) as package:
        assert json.loads(package.read("manifest.json"))["id"] == APP_ID
