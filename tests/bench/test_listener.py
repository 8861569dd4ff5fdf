"""`python -m bench.listener`, run at its smallest so that it cannot rot: waymark's real Slack app
and the floor each answer signed `/outcome N` commands, every one checked, and the CPU and
Python calls per request are reported (their values are the bench's business, not a test's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_listener_profile_runs_and_reports_both_apps() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.listener", "--requests", "40", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "CPU per /outcome N request" in done.stdout
    assert "Python calls per request: waymark" in done.stdout
