"""A progress bar for long commands, on a terminal only: redirected to a file or a pipe (a cron
job, a log collector) it writes nothing, so that logs hold results, not carriage returns."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, *, after: float = 0.0) -> None:
        """`after`: seconds to wait before drawing, so that a quick command shows no bar."""
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.from_time = time.monotonic() + after

    def __call__(self, what: str, done: int, total: int) -> None:
        """`done` of `total` of `what` (a table's rows, a backup's pages)."""
        if not self.shown or time.monotonic() < self.from_time:
            return
        filled = WIDTH * done // total if total else WIDTH
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\r{what:<24} [{bar}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
