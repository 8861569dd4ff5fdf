"""`waymark teams-package`: the zip a Teams administrator uploads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import cli
from bot.teams_package import build_package, png_size
from commands.errors import UserError

APP_ID = "5f1c2a34-8d2e-4f5b-9b57-2a1e9c7d4b10"
ROOT = Path(__file__).resolve().parents[2]
TEAMS_FILES = ["manifest.json", "color.png", "outline.png"]


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


def test_a_place_that_cannot_be_written_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(UserError, match=r"Could not write .*: give --out a file in a folder"):
        build_package(
            app_id=APP_ID,
            organisation="x",
            website="https://x.org",
            out=tmp_path / "a-file" / "waymark.zip",
        )


def test_waymark_teams_package_writes_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'waymark.db'}")
    monkeypatch.setenv("TEAMS_CLIENT_ID", APP_ID)
    out = tmp_path / "package.zip"
    assert cli.main(["teams-package", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {out} (app id {APP_ID}).")
    with zipfile.ZipFile(out) as package:
        assert json.loads(package.read("manifest.json"))["id"] == APP_ID


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command` as CI would: no stdin, and no PYTHONPATH or the like that could put the
    checkout back on the path."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(  # noqa: S603 - our own interpreter, pip and waymark
        command,
        cwd=cwd,
        env=clean | (env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def pip(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *arguments]


def dockerfile_sources() -> list[str]:
    """What the Dockerfile copies into the directory the image installs waymark from (a
    `COPY --from=` takes what an earlier stage built, not files of the checkout)."""
    sources: list[str] = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            *paths, _destination = line.split()[1:]
            sources += [path for path in paths if not path.startswith("--")]
    return sources


@dataclass(frozen=True)
class Installed:
    bin: Path
    site_packages: Path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """waymark's wheel, built offline by the setuptools in .venv from exactly what the Dockerfile
    copies: the image installs waymark from those files in the same way, so this checks it too."""
    source = tmp_path_factory.mktemp("source")
    for name in dockerfile_sources():
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.zip")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run(
        pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), "."),
        source,
    )
    (built,) = dist.glob("waymark-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv with the wheel installed by pip (not editable), and its `waymark` command.
    Its dependencies come from .venv through a .pth line: that adds .venv's packages, but not
    .venv's editable install of the checkout, a .pth of its own that is not read from there."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    run(pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel)), env)
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env
    )
    site_packages = Path(purelib.stdout.strip()).resolve()
    (site_packages / "waymark-test-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    return Installed(env / "bin", site_packages)


def test_the_wheel_holds_the_manifest_and_icons_beside_bot(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as built:
        assert "bot/teams_package.py" in built.namelist()
        for name in TEAMS_FILES:
            assert built.read(f"teams/{name}") == (ROOT / "teams" / name).read_bytes()


def test_an_installed_waymark_reads_the_manifest_from_its_installation(
    installed: Installed, tmp_path: Path
) -> None:
    code = "import bot.teams_package as p; print(p.__file__, p.package_source() / 'manifest.json')"
    found = run([str(installed.bin / "python"), "-c", code], tmp_path)
    module, manifest = (Path(path).resolve() for path in found.stdout.split())
    assert module == installed.site_packages / "bot" / "teams_package.py"
    assert manifest == installed.site_packages / "teams" / "manifest.json"


def test_an_installed_waymark_teams_package_writes_the_zip(
    installed: Installed, tmp_path: Path
) -> None:
    done = run(
        [
            str(installed.bin / "waymark"),
            "teams-package",
            "--organisation",
            "Luton Borough Council",
            "--website",
            "https://www.luton.gov.uk/waymark",
        ],
        tmp_path,
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'waymark.db'}", "TEAMS_CLIENT_ID": APP_ID},
    )
    assert done.stdout.startswith(f"Wrote waymark-teams.zip (app id {APP_ID}).")
    with zipfile.ZipFile(tmp_path / "waymark-teams.zip") as package:
        assert sorted(package.namelist()) == sorted(TEAMS_FILES)
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    configured = json.loads((ROOT / "teams" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == configured["version"]
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["name"] == "Luton Borough Council"
