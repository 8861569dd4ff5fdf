"""`python -m bench --burst N`, at its smallest, so that it cannot rot: every request answered
and counted, with the figures the README quotes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZE = 8


def test_a_small_burst_reports_how_many_were_late_and_the_slowest(tmp_path: Path) -> None:
    out = tmp_path / "burst.json"
    argv = [sys.executable, "-m", "bench", "--scale", "smoke", "--db", "sqlite"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*argv, "--burst", str(SIZE), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"burst of {SIZE}" in done.stdout
    found = json.loads(out.read_text())["runs"]["sqlite"]
    assert (found["requests"], found["answered"], found["errors"]) == (SIZE, SIZE, 0)
    assert 0 <= found["over_3s"] <= SIZE
    assert 0 < found["p50_ms"] <= found["p95_ms"] <= found["slowest_ms"]
