"""`waymark serve` and `waymark playground` as an operator starts them: real processes, real
ports. `serve` without credentials stops at once and never falls back on the playground; the
playground listens on this computer only, on its own database; a port in use is one line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from tests.cli.conftest import OURS

ROOT = Path(__file__).resolve().parents[2]
STARTED_WITHIN = 60.0


def clean_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return {**env, "PYTHONUNBUFFERED": "1", **more}


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def waymark_process(cwd: Path, *argv: str, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *argv,
        cwd=cwd,
        env={**clean_env(**env), "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_serve_without_credentials_stops_at_once_naming_what_to_set(tmp_path: Path) -> None:
    port = free_port()
    process = await waymark_process(tmp_path, "serve", "--port", str(port))
    async with asyncio.timeout(STARTED_WITHIN):
        out, err = await process.communicate()
    assert process.returncode == 1
    message = err.decode()
    for variable in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "TEAMS_CLIENT_ID",
        "TEAMS_CLIENT_SECRET",
        "TEAMS_TENANT_ID",
        "`waymark playground`",
    ]:
        assert variable in message
    assert "Traceback" not in message
    assert out == b""
    # It stopped before doing anything slow (about 1.3 s on an idle 2-core machine, mostly
    # Python's imports; not asserted, as a busy CI machine makes any time limit flaky): it never
    # started the playground, nothing was listening, no database was made.
    assert files_in(tmp_path) == []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.usefixtures("no_credentials")
def test_serve_with_a_bot_token_and_no_way_to_hear_slack_names_the_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'waymark.db'}")
    assert main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN, for Socket Mode) is not set")
    assert not (tmp_path / "waymark.db").exists()


@pytest.mark.usefixtures("no_credentials")
def test_serve_on_a_port_in_use_says_so_in_one_line(
    taken_port: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'waymark.db'}")
    assert main(["serve", "--port", str(taken_port)]) == 1
    out, err = capsys.readouterr()
    assert err == (
        f"Port {taken_port} on 127.0.0.1 is already in use (is waymark running already?): stop "
        "what is using it, or choose another port with --port.\n"
    )
    assert out == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "waymark.example.org"])  # noqa: S104
@pytest.mark.usefixtures("no_credentials")
def test_the_playground_refuses_to_listen_beyond_this_computer(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["playground", "--host", host, "--port", "0"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"waymark playground listens on this computer only, not on {host}:")
    assert "anyone who reached it could act as any person in it" in err
    assert out == ""
    assert files_in(tmp_path) == []  # no database made


@pytest.mark.usefixtures("no_credentials")
def test_the_playground_on_a_port_in_use_says_so_in_one_line(
    taken_port: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["playground", "--port", str(taken_port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Port {taken_port} on 127.0.0.1 is already in use")
    assert err.count("\n") == 1


@pytest.mark.usefixtures("no_credentials")
def test_without_the_playground_installed_waymark_playground_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The Docker image leaves the playground out."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "playground", None)
    assert main(["playground", "--port", "0"]) == 1
    assert capsys.readouterr().err.startswith(
        "The playground is not part of this installation of waymark"
    )


async def test_the_playground_runs_on_its_own_database_and_prints_where_to_open_it(
    tmp_path: Path,
) -> None:
    """Even with DATABASE_URL set, the playground keeps to playground.db, where it runs, and
    loads the example road map into it; the production database is never touched."""
    production = tmp_path / "production.db"
    port = free_port()
    process = await waymark_process(
        tmp_path,
        "playground",
        "--port",
        str(port),
        DATABASE_URL=f"sqlite:///{production}",
        SLACK_BOT_TOKEN="xoxb-a-real-token-it-must-not-use",
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(STARTED_WITHIN):
            banner = (await process.stdout.readline()).decode()
        address = f"http://127.0.0.1:{port}"
        assert banner == (
            f"waymark's playground is running on sqlite:///playground.db: open {address} in a "
            "browser. Ctrl-C stops it.\n"
        )
        async with aiohttp.ClientSession() as session:
            async with session.get(address) as page:
                assert page.status == 200
                assert "text/html" in page.content_type
            async with session.get(f"{address}/ui/state") as state:
                channels = [c["name"] for c in (await state.json())["channels"]]
        assert "roadmap-digest" in channels
        assert "health-wellbeing" in channels  # a group of the example road map
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(STARTED_WITHIN):
            _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "playground.db" in files_in(tmp_path)
    assert "production.db" not in files_in(tmp_path)
