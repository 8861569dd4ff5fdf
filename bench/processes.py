"""The processes a run starts: each on a free port on 127.0.0.1, logging to a file, always
stopped (SIGTERM, then SIGKILL) when the block ends."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

STOP_GRACE = 15.0
# Variables that would change what `waymark serve` does (Socket Mode, another database, a
# digest channel): the bench sets its own and drops the rest.
_OURS = ("SLACK_", "WAYMARK_", "DATABASE_URL")


class ProcessError(RuntimeError):
    pass


# Ports the processes may listen on (`--port-range`); None: any the system gives.
_ports: list[int] | None = None


def use_ports(low: int, high: int) -> None:
    """Listen only on ports `low`..`high` (a firewall or another service may need it)."""
    global _ports  # one setting for the run, from its command line
    _ports = list(range(low, high + 1))


# How many processes `waymark serve` answers with (`--workers`).
_workers = 1


def use_workers(count: int) -> None:
    """Start `waymark serve --workers COUNT`."""
    global _workers  # one setting for the run, from its command line
    _workers = count


def waymark_serve(port: int) -> list[str]:
    """The module arguments that start `waymark serve` on `port`, with the run's workers."""
    workers = ["--workers", str(_workers)] if _workers > 1 else []
    return ["bot", "serve", "--port", str(port), *workers]


def free_port() -> int:
    """A port nobody listens on now: the next free one of `use_ports`, or any."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        if _ports is None:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    while _ports:
        port = _ports.pop(0)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("every port of --port-range is taken or used already: give a wider range")


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path
    started: float  # time.perf_counter() just before it was started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def peak_rss_mb(self) -> float:
        """The resident-set high-water mark (VmHWM) of the process and of the processes it
        started (`waymark serve --workers`), added up, in MB."""
        return sum(status_kb(pid, "VmHWM") for pid in self.family()) / 1024

    def rss_mb(self) -> float:
        return sum(status_kb(pid, "VmRSS") for pid in self.family()) / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the process and the processes it started have used so
        far: what waymark itself spends, apart from the database server and the bench."""
        return sum(cpu_seconds(pid) for pid in self.family())

    def family(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [self.pid, *(int(pid) for pid in children.read_text().split())]
        except OSError:
            return [self.pid]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_healthy(self, path: str, within: float) -> float:
        """Seconds from start until `path` answers 200."""
        deadline = self.started + within
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                if self.popen.poll() is not None:
                    raise ProcessError(f"{self.name} exited with {self.popen.returncode}:\n"
                                       f"{self.tail()}")  # fmt: skip
                try:
                    async with session.get(
                        self.url + path, timeout=aiohttp.ClientTimeout(total=1)
                    ) as response:
                        if response.status == 200:
                            return time.perf_counter() - self.started
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.01)
        raise ProcessError(f"{self.name} was not healthy within {within}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(STOP_GRACE)


def status_kb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise ProcessError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time of the process so far, to the nanosecond, its ended threads included: the
    kernel's CPU clock of the process (Linux names another process's clock by its pid, as
    `MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`). Else utime and stime from `/proc/PID/stat`,
    in clock ticks (10 ms: a few hundred requests of 0.2 ms come to a handful of ticks, too
    coarse to compare)."""
    try:
        return time.clock_gettime((~pid << 3) | 2)
    except OSError:
        pass
    # The fields after the command's name, which is in parentheses and may hold spaces:
    # utime and stime are the 14th and 15th of the whole line, in clock ticks.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_server_cpu_seconds() -> float:
    """CPU time used so far by this machine's PostgreSQL server: every process named
    `postgres` (the backends serving waymark's connections and the writers that flush what they
    wrote), those that have ended since excepted. 0 when there is none, or none this user may
    read (a server elsewhere is not measured)."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "postgres":
                continue
            total += cpu_seconds(int(comm.parent.name))
        except (OSError, ValueError, ProcessError):
            continue  # ended while being read, or not ours to read
    return total


ROOT = Path(__file__).resolve().parent.parent


def start(
    name: str, module_args: list[str], env: Mapping[str, str], folder: Path, port: int
) -> Process:
    """`python -m MODULE_ARGS...` as a child process, its output in `folder/NAME.log`."""
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        begun = time.perf_counter()
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            [sys.executable, "-m", *module_args],
            env=clean_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )
    return Process(name, popen, port, log, begun)


@asynccontextmanager
async def started(
    name: str, module_args: list[str], env: Mapping[str, str], folder: Path, port: int
) -> AsyncIterator[Process]:
    """`python -m MODULE_ARGS...` as a child process, stopped when the block ends."""
    process = start(name, module_args, env, folder, port)
    try:
        yield process
    finally:
        process.stop()
