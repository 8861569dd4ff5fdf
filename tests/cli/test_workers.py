"""`waymark serve --workers N` as an operator runs it: real processes sharing one port, each
answering Slack's signed requests, every one stopped when the first is told to stop, and all of
them stopped, loudly, when one dies, so that whatever supervises waymark starts it again whole."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.load import Check, Sample, Sender, command_body
from bot.cli import main
from commands.roadmap_files.importing import import_roadmap
from config import EXAMPLE_ROADMAP
from playground.standin import BOT_TOKEN, running_standin
from storage.db import Database
from tests.cli.test_servers import ROOT, STARTED_WITHIN, clean_env, free_port, waymark_process

SECRET = "workers-signing-secret"
ASKER, ASKED_IN = "U0BOARDMEMBER", "C0GENERAL"
BANNER = re.compile(r"(\d+) processes answer on port (\d+) \(process ids ([\d, ]+)\)")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_gone(pids: list[int]) -> None:
    """Until each process has ended (told by the kernel through a pidfd, not by polling)."""
    loop = asyncio.get_running_loop()

    async def gone(pid: int) -> None:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return
        try:
            ended = loop.create_future()
            loop.add_reader(fd, ended.set_result, None)
            try:
                await ended
            finally:
                loop.remove_reader(fd)
        finally:
            os.close(fd)

    async with asyncio.timeout(STARTED_WITHIN):
        await asyncio.gather(*(gone(pid) for pid in pids))


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize(
    ("workers", "app_token", "said"),
    [
        ("0", None, "--workers must be a whole number from 1 to 32, not 0"),
        ("33", None, "--workers must be a whole number from 1 to 32, not 33"),
        ("11", "xapp-1", "Slack allows an app at most 10: give --workers 10 or fewer."),
    ],
)
def test_a_number_of_workers_that_cannot_work_is_refused_saying_what_would(
    workers: str,
    app_token: str | None,
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    if app_token:
        monkeypatch.setenv("SLACK_APP_TOKEN", app_token)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'waymark.db'}")
    assert main(["serve", "--port", "0", "--workers", workers]) == 1
    out, err = capsys.readouterr()
    assert said in err
    assert err.count("\n") == 1
    assert out == ""
    assert not (tmp_path / "waymark.db").exists()


async def start_workers(
    db: Database, tmp_path: Path, slack_url: str, workers: int
) -> tuple[asyncio.subprocess.Process, int, list[int]]:
    async with db.transaction() as session:
        await import_roadmap(
            session,
            EXAMPLE_ROADMAP,
            actor="tests",
            now=datetime.now(UTC),
            tz=ZoneInfo("Europe/London"),
        )
    process = await waymark_process(
        tmp_path,
        "serve", "--port", str(free_port()), "--workers", str(workers),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=f"{slack_url}/api/",
        DATABASE_URL=db.url.render_as_string(hide_password=False),
    )  # fmt: skip
    assert process.stdout is not None
    async with asyncio.timeout(STARTED_WITHIN * 2):
        while (line := (await process.stdout.readline()).decode()) and not BANNER.search(line):
            pass
    found = BANNER.search(line)
    assert found is not None, f"no banner; waymark said {line!r}"
    pids = [int(pid) for pid in found.group(3).split(", ")]
    assert int(found.group(1)) == workers == len(pids)
    assert pids[0] == process.pid
    return process, int(found.group(2)), pids


async def test_several_workers_answer_on_one_port_count_together_and_stop_together(
    db: Database, tmp_path: Path
) -> None:
    with running_standin() as slack:
        process, port, pids = await start_workers(db, tmp_path, slack.url, 2)
        try:
            # Each on its own connection, as Slack sends them, so the kernel can hand them to
            # either process: every one is answered with outcome 12's card.
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                sender = Sender(session, f"http://127.0.0.1:{port}/slack/events", SECRET)
                sample = Sample()

                async def ask() -> None:
                    async with session.post(
                        f"{slack.url}/control/response-urls",
                        json={"user": ASKER, "channel": ASKED_IN},
                    ) as made:
                        response_url = (await made.json())["url"]
                    body = command_body(
                        user=ASKER, channel=ASKED_IN, text="12", response_url=response_url
                    )
                    card = Check(contains="MMR")
                    await sender.post(body, "application/x-www-form-urlencoded", card, sample)

                await asyncio.gather(*(ask() for _ in range(24)))
            assert (sample.errors, sample.first_error) == (0, None)
            assert len(sample.latencies) == 24
            assert all(alive(pid) for pid in pids)
            # Whichever process a scrape reaches, it counts what every process answered.
            folder = shared_folder(process.pid)
            assert os.path.isdir(folder)  # noqa: ASYNC240 - once, not on a hot path
            for _ in range(6):
                scraped = await scrape(f"http://127.0.0.1:{port}/metrics")
                assert answered_cards(scraped) == 24, scraped
                assert kept_by(scraped) == {str(pid) for pid in pids}
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(STARTED_WITHIN):
                _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    await wait_gone(pids)
    assert "Traceback" not in err.decode()
    assert not os.path.exists(folder)  # noqa: ASYNC240 - made for this run, removed with it


def shared_folder(pid: int) -> str:
    """The metrics folder the first process made for itself and its workers, as its
    environment names it."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    named = [e.split(b"=", 1)[1] for e in environ if e.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    assert named, "the first process has no metrics folder in its environment"
    return named[0].decode()


async def scrape(url: str) -> str:
    # A connection each, as Prometheus makes them: the kernel may give it to either process.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session, session.get(url) as response:
        assert response.status == 200
        return await response.text()


def answered_cards(scraped: str) -> float:
    [count] = [
        sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "waymark_answers_total"
        and sample.labels == {"platform": "slack", "command": "card", "result": "answered"}
    ]
    return float(count)


def kept_by(scraped: str) -> set[str]:
    """The processes that say how many answers they keep."""
    return {
        sample.labels["pid"]
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "waymark_answers_kept"
    }


async def test_a_worker_that_dies_stops_them_all_and_says_so(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'waymark.db'}")
    await db.migrate()
    try:
        with running_standin() as slack:
            process, _, pids = await start_workers(db, tmp_path, slack.url, 2)
            os.kill(pids[1], signal.SIGKILL)
            async with asyncio.timeout(STARTED_WITHIN):
                _, err = await process.communicate()
    finally:
        await db.dispose()
    assert process.returncode == 1
    assert (
        f"Worker 2 of waymark (process {pids[1]}) stopped unexpectedly (exit code -9): stopping "
        "every process, so that whatever runs waymark can start it again whole."
    ) in err.decode()
    await wait_gone(pids)


async def test_a_worker_stops_when_the_first_process_is_gone(tmp_path: Path) -> None:
    """Killed outright (SIGKILL), the first process cannot stop its workers; each worker holds
    a pipe from it that the kernel closes then, and stops by itself. Played here by starting a
    worker as the first process would and closing that pipe."""
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    with running_standin() as slack:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(port), "--worker", "2",
            "--listening-fd", str(listening.fileno()),
            pass_fds=(listening.fileno(),),
            cwd=tmp_path,
            env={**clean_env(
                SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=f"{slack.url}/api/",
                DATABASE_URL=f"sqlite:///{tmp_path / 'waymark.db'}",
            ), "PYTHONPATH": str(ROOT)},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert worker.stdout is not None
        assert worker.stdin is not None
        async with asyncio.timeout(STARTED_WITHIN):
            assert await worker.stdout.readline() == b"ready\n"
        worker.stdin.close()
        async with asyncio.timeout(STARTED_WITHIN):
            _, err = await worker.communicate()
    listening.close()
    assert worker.returncode == 0
    assert "the first process of waymark is gone: this worker stops too" in err.decode()
