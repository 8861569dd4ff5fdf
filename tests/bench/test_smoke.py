"""The benchmark harness, run at its smallest so that it cannot rot: `python -m bench --scale
smoke` on SQLite, end to end (data, `waymark serve`, the floor, the Slack stand-in, the passes),
with every figure present and sane."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.cli import shown
from bench.report import TARGETS
from bench.scales import SCALES

ROOT = Path(__file__).resolve().parents[2]
SMOKE = SCALES["smoke"]


def run_smoke(tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "figures.json"
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            *(sys.executable, "-m", "bench", "--scale", "smoke", "--db", "sqlite"),
            *("--json", str(out), "--port-range", "23100-23199"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "/outcome N p50 / p90 / p99" in done.stdout
    assert "cores at 300/s);" in done.stdout  # what a reading costs, set against the target
    # What a Bolt app that stores nothing reaches with the same replies, on the same cores.
    assert re.search(r"\| ingest floor, 20 at a time, nothing stored .*\| \d+/s; ", done.stdout)
    figures: dict[str, Any] = json.loads(out.read_text())
    # README's table is regenerated from the figures, measuring nothing.
    assert shown([out]).splitlines()[0].startswith("| scale: smoke")
    return figures


def test_a_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    figures = run_smoke(tmp_path)
    assert figures["scale"] == "smoke"
    run = figures["runs"]["sqlite"]
    assert run["data"] == {
        "outcomes": SMOKE.outcomes,
        "readings": SMOKE.readings,
        "generate_seconds": run["data"]["generate_seconds"],
        "kept_statuses_seconds": run["data"]["kept_statuses_seconds"],
    }

    latency = run["latency"]
    sent = {
        "outcome_sequential": SMOKE.requests,
        "outcome_concurrent": SMOKE.requests * 2,
        "floor_sequential": SMOKE.requests,
        "floor_concurrent": SMOKE.requests * 2,
        "list_sequential": SMOKE.list_requests,
        "list_concurrent": SMOKE.list_requests * 2,
        "history_sequential": SMOKE.history_requests,
    }
    assert set(latency) == set(sent)
    for name, count in sent.items():
        found = latency[name]
        assert (found["count"], found["errors"]) == (count, 0), (name, found)
        assert 0 < found["p50_ms"] <= found["p90_ms"] <= found["p99_ms"] < 30_000, (name, found)
        if name.startswith(("outcome", "list")):
            assert found["p50_ratio"] > 0, name
            assert found["p90_ratio"] > 0, name
    assert latency["history_sequential"]["charts"] == SMOKE.history_requests

    ingest = run["ingest"]
    replies = SMOKE.ingest * 4  # sequential, twice as many 20 at a time, then corrections
    assert ingest["sent"] == ingest["recorded_in_database"] == ingest["confirmations"] == replies
    for mode in ("sequential", "concurrent", "corrections", "floor_concurrent"):
        assert ingest[mode]["errors"] == 0
        assert ingest[mode]["confirmed"] == ingest[mode]["count"]
        assert 0 < ingest[mode]["per_second"] <= ingest[mode]["acknowledged_per_second"]
    # Counted in clock ticks: a phase of a few readings may take less than one, not all three.
    modes = ("sequential", "concurrent", "corrections")
    assert sum(ingest[mode]["cpu_ms_per_reading"] for mode in modes) > 0
    # The floor's replies are confirmed too, and stored nowhere: the count in the database
    # above was taken after them.
    assert ingest["floor_concurrent"]["count"] == SMOKE.ingest * 2

    passes = run["passes"]
    for name in ("digest", "reminders", "bare_latest"):
        assert passes[name]["ms"] > 0
        assert 0 < passes[name]["statements"] <= 10, (name, passes[name])
    assert passes["bare_latest"]["rows"] == SMOKE.outcomes
    assert passes["digest_ratio"] > 0

    resources = run["resources"]
    assert 0 < resources["peak_rss_before_charts_mb"] <= resources["peak_rss_mb"]
    assert 0 < resources["healthy_seconds"] < 30

    imported = run["import"]
    assert imported["rows"] == SMOKE.readings
    assert imported["output"] == [
        f"Imported {imported['file']}: created {SMOKE.readings} readings."
    ]
    assert imported["bare_seconds"] > 0
    assert imported["ratio"] > 0
    assert imported["peak_rss_mb"] > 0

    assert {t["target"] for t in figures["targets"]} == {t.name for t in TARGETS}
