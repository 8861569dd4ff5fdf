"""`waymark serve --workers N`: N processes answering Slack and Teams on one address.

The first process binds the port and starts the others, handing each the listening socket, so
the port is free or taken exactly as for one process and no other program can join the pool (as
SO_REUSEPORT would let any process of the same user do); the kernel gives each new connection to
whichever process accepts it first. Only the first process runs the scheduler's clock: the
outbox would stop a second from posting anything twice, but one clock is simpler to reason about.
Answers kept in memory stay right across processes through the database's change count
(`commands.answer_cache`).

Each process counts what it answers in files of one folder, and a scrape of `/metrics` adds up
all of them (`bot.metrics`): prometheus_client takes that folder from its environment as it is
imported, so the first process, started without one, starts itself again (as the same process)
with a new folder named there, which its workers inherit and which it removes when it stops.

When any process stops unexpectedly, all of them stop and `waymark serve` exits with 1, so that
whatever supervises it (systemd, Docker, Kubernetes) starts it again whole, rather than it running
on with fewer workers than it was given and nobody knowing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.metrics import SHARED_FOLDER, shared_between_processes
from bot.server import bound_socket
from bot.wiring import start_server
from commands.errors import UserError
from config.settings import Settings

log = logging.getLogger(__name__)

MOST_WORKERS = 32
# Slack keeps at most ten Socket Mode connections open for one app, and each process opens one.
SOCKET_MODE_CONNECTIONS = 10
# A worker migrates nothing (the first process did) but imports everything and warms its answers.
READY_WITHIN = 120.0
STOP_GRACE = 15.0
READY = b"ready\n"
# Names the metrics folder this `waymark serve` made for itself, and so removes when it stops.
_MADE_FOLDER = "WAYMARK_METRICS_FOLDER_MADE"


def check_workers(workers: int, settings: Settings) -> None:
    """Refuse a number of workers that cannot work, saying what would."""
    if not 1 <= workers <= MOST_WORKERS:
        raise UserError(
            f"--workers must be a whole number from 1 to {MOST_WORKERS}, not {workers}: about "
            "one per processor core is usually right."
        )
    if settings.slack_app_token and workers > SOCKET_MODE_CONNECTIONS:
        raise UserError(
            f"In Socket Mode each worker opens its own connection to Slack, and Slack allows an "
            f"app at most {SOCKET_MODE_CONNECTIONS}: give --workers {SOCKET_MODE_CONNECTIONS} "
            "or fewer."
        )


@dataclass
class Worker:
    number: int
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, number: int, host: str, port: int, listening: socket.socket) -> Worker:
        fd = listening.fileno()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host", host,
            "--port", str(port),
            "--worker", str(number),
            "--listening-fd", str(fd),
            pass_fds=(fd,),
            # Never written to: it closes when this process ends, however it ends (even killed
            # outright, with no chance to stop its workers), and the worker then stops too.
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # Its own session: Ctrl-C in a terminal reaches the first process only, which then
            # stops the workers in order, instead of every process at once.
            start_new_session=True,
        )  # fmt: skip
        return cls(number, process)

    async def ready(self) -> None:
        """Wait until the worker answers; a worker that stopped instead is a UserError (its
        own message is above, on the same standard error)."""
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(READY_WITHIN):
                line = await self.process.stdout.readline()
        except TimeoutError:
            line = b""
        if line != READY:
            await self.stop()
            raise UserError(
                f"Worker {self.number} of waymark did not start (exit code "
                f"{self.process.returncode}): what it said is above."
            )

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            async with asyncio.timeout(STOP_GRACE):
                await self.process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def serve_with_workers(settings: Settings, *, host: str, port: int, workers: int) -> int:
    """Run until Ctrl-C or SIGTERM (0), or until a worker stops unexpectedly (1)."""
    check_workers(workers, settings)
    if not shared_between_processes():
        _start_again_sharing_metrics(host, port, workers)
    folder = Path(os.environ[SHARED_FOLDER])
    made = os.environ.get(_MADE_FOLDER) == str(folder)
    try:
        return await _serve(settings, host=host, port=port, workers=workers, metrics=folder)
    finally:
        if made:
            shutil.rmtree(folder, ignore_errors=True)


def _start_again_sharing_metrics(host: str, port: int, workers: int) -> None:
    """Replace this process with `waymark serve` again, its metrics folder named (it does not
    return): nothing has started yet, and the process id stays the same."""
    folder = tempfile.mkdtemp(prefix="waymark-metrics-")
    argv = ["serve", "--host", host, "--port", str(port), "--workers", str(workers)]
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, SHARED_FOLDER: folder, _MADE_FOLDER: folder}
    os.execve(sys.executable, [sys.executable, "-m", "bot", *argv], env)  # noqa: S606


def _clear(folder: Path) -> None:
    """What an earlier run left would be added to this one's counts (prometheus_client asks for
    the folder to be emptied before the processes start)."""
    for left in folder.glob("*.db"):
        left.unlink()


async def _serve(settings: Settings, *, host: str, port: int, workers: int, metrics: Path) -> int:
    _clear(metrics)
    listening = bound_socket(host, port)
    running = await start_server(settings, host=host, port=port, sock=listening)
    children: list[Worker] = []
    try:
        for number in range(2, workers + 1):
            children.append(await Worker.start(number, host, running.port, listening))
        for child in children:
            await child.ready()
        pids = ", ".join(str(p) for p in [os.getpid(), *(c.process.pid for c in children)])
        print(
            f"{running.banner}\n{workers} processes answer on port {running.port} (process ids "
            f"{pids}); the first runs the scheduler.",
            flush=True,
        )
        return await _until_stopped(children)
    finally:
        await asyncio.gather(*(child.stop() for child in children))
        await running.stop()
        listening.close()


async def _until_stopped(children: list[Worker]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    asked = asyncio.create_task(stop.wait())
    exits = {asyncio.create_task(child.process.wait()): child for child in children}
    done, pending = await asyncio.wait([asked, *exits], return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if asked in done:
        return 0
    child = next(exits[task] for task in done if task in exits)
    message = (
        f"Worker {child.number} of waymark (process {child.process.pid}) stopped unexpectedly "
        f"(exit code {child.process.returncode}): stopping every process, so that whatever "
        "runs waymark can start it again whole."
    )
    log.error(message)
    return 1


async def serve_as_worker(settings: Settings, *, host: str, port: int, fd: int) -> int:
    """One of the workers the first process started: answer on its socket, no scheduler, until
    told to stop or the first process is gone (its standard input closes)."""
    listening = socket.socket(fileno=fd)
    running = await start_server(settings, host=host, port=port, sock=listening, tick=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    first_process = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(first_process), sys.stdin)

    async def orphaned() -> None:
        await first_process.read()
        if not stop.is_set():
            log.warning("the first process of waymark is gone: this worker stops too")
            stop.set()

    watching = asyncio.create_task(orphaned())
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        watching.cancel()
        await running.stop()
    return 0
