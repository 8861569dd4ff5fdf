"""The figures as a table for people and as JSON for tools, and the issue's targets checked."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

Run = dict[str, Any]


@dataclass(frozen=True)
class Target:
    name: str
    limit: str
    value: Callable[[Run, str], float | None]
    met: Callable[[float, str], bool]
    stress_only: bool = False


def _at_most(limit: float) -> Callable[[float, str], bool]:
    return lambda value, _backend: value <= limit


def ingest_target(backend: str) -> int:
    """Readings a second the issue asks of thread replies, 20 at a time."""
    return 300 if backend == "sqlite" else 500


def _ingest_floor(value: float, backend: str) -> bool:
    return value >= ingest_target(backend)


TARGETS = (
    Target("/outcome N p50 / floor, sequential", "≤ 1.5×",
           lambda r, _b: r["latency"]["outcome_sequential"]["p50_ratio"], _at_most(1.5)),
    Target("/outcome N p90 / floor, sequential", "≤ 1.5×",
           lambda r, _b: r["latency"]["outcome_sequential"]["p90_ratio"], _at_most(1.5)),
    Target("/outcome N p50 / floor, 20 at a time", "≤ 1.5×",
           lambda r, _b: r["latency"]["outcome_concurrent"]["p50_ratio"], _at_most(1.5)),
    Target("/outcome N p90 / floor, 20 at a time", "≤ 1.5×",
           lambda r, _b: r["latency"]["outcome_concurrent"]["p90_ratio"], _at_most(1.5)),
    Target("/outcome list p50 at 5,000 outcomes (ms)", "< 100",
           lambda r, _b: r["latency"]["list_sequential"]["p50_ms"], lambda v, _b: v < 100,
           stress_only=True),
    Target("statements per digest", "≤ 10",
           lambda r, _b: r["passes"]["digest"]["statements"], _at_most(10)),
    Target("statements per reminder pass", "≤ 10",
           lambda r, _b: r["passes"]["reminders"]["statements"], _at_most(10)),
    Target("digest / bare latest-reading query", "≤ 3×",
           lambda r, _b: r["passes"]["digest_ratio"], _at_most(3), stress_only=True),
    Target("ingest, 20 at a time (readings/s)", "≥ 300 SQLite, ≥ 500 PostgreSQL",
           lambda r, _b: r["ingest"]["concurrent"]["per_second"], _ingest_floor),
    Target("peak RSS of waymark serve (MB)", "≤ 200",
           lambda r, _b: r["resources"]["peak_rss_mb"], _at_most(200), stress_only=True),
    Target("start to healthy /healthz (s)", "≤ 3",
           lambda r, _b: r["resources"]["healthy_seconds"], _at_most(3)),
    Target("readings import / bare insert", "≤ 5×",
           lambda r, _b: _imported(r, "ratio"), _at_most(5), stress_only=True),
    Target("peak RSS of readings import (MB)", "≤ 250",
           lambda r, _b: _imported(r, "peak_rss_mb"), _at_most(250)),
)  # fmt: skip


def _imported(run: Run, key: str) -> float | None:
    """A figure of the readings import, or None when the run left it out (--skip-import)."""
    return None if run.get("import") is None else float(run["import"][key])


def check_targets(scale: str, runs: dict[str, Run]) -> list[dict[str, Any]]:
    checked = []
    for target in TARGETS:
        for backend, run in runs.items():
            found = target.value(run, backend)
            if found is None:
                continue  # not measured in this run
            value = float(found)
            applies = scale == "stress" or not target.stress_only
            checked.append(
                {
                    "target": target.name,
                    "limit": target.limit,
                    "backend": backend,
                    "value": value,
                    "met": bool(target.met(value, backend)) and not math.isnan(value),
                    "applies": applies,
                }
            )
    return checked


def _ms(found: dict[str, Any], key: str) -> str:
    return f"{found[key]:.1f}"


def _latency(found: dict[str, Any]) -> str:
    text = f"{_ms(found, 'p50_ms')} / {_ms(found, 'p90_ms')} / {_ms(found, 'p99_ms')} ms"
    if "p50_ratio" in found:
        text += (
            f" ({found['p50_ratio']:.2f}× / {found['p90_ratio']:.2f}× / {found['p99_ratio']:.2f}×)"
        )
    if found.get("errors"):
        text += f" [{found['errors']} errors]"
    return text


def _rows(run: Run, backend: str) -> list[tuple[str, str]]:
    lat, ingest, passes, res = run["latency"], run["ingest"], run["passes"], run["resources"]
    imp = run["import"]
    return [
        ("data: outcomes / readings (generated in s; every status kept, the backfill, in s)",
         f"{run['data']['outcomes']:,} / {run['data']['readings']:,} "
         f"({run['data']['generate_seconds']} s; "
         f"{run['data'].get('kept_statuses_seconds', '-')} s)"),
        ("floor (ack only) p50 / p90 / p99, sequential", _latency(lat["floor_sequential"])),
        ("/outcome N p50 / p90 / p99 (× floor), sequential", _latency(lat["outcome_sequential"])),
        ("floor (ack only) p50 / p90 / p99, 20 at a time", _latency(lat["floor_concurrent"])),
        ("/outcome N p50 / p90 / p99 (× floor), 20 at a time", _latency(lat["outcome_concurrent"])),
        ("/outcome N, 20 at a time: CPU µs a request, waymark / floor (the bench's own)",
         _request_cpu(lat["outcome_concurrent"])),
        ("/outcome list p50 / p90 / p99 (× floor), sequential", _latency(lat["list_sequential"])),
        ("/outcome list p50 / p90 / p99 (× floor), 20 at a time", _latency(lat["list_concurrent"])),
        ("/outcome 12 history p50 / p90 / p99, sequential", _latency(lat["history_sequential"])
         + f"; chart p50 {lat['history_sequential']['chart_p50_ms']:.0f} ms"),
        *((f"ingest, {words} (confirmed/s; ack p50 / p90 / p99; last confirmation after last ack)",
           f"{ingest[mode]['per_second']:.0f}/s; {_latency(ingest[mode])}; "
           f"{ingest[mode]['last_confirmation_after_last_ack_ms']:.0f} ms")
          for mode, words in (("sequential", "sequential"), ("concurrent", "20 at a time"),
                              ("corrections", "corrections 20 at a time"))),
        ("ingest: sent / in database / confirmed",
         f"{ingest['sent']} / {ingest['recorded_in_database']} / {ingest['confirmations']}"),
        ("ingest, 20 at a time: CPU a reading (the cores it takes at the target rate)",
         cores(ingest["concurrent"], backend)),
        ("ingest floor, 20 at a time, nothing stored (confirmed/s; CPU a reply, as above)",
         _floor_ingest(ingest.get("floor_concurrent"), backend)),
        ("digest: ms (SQL statements)",
         f"{passes['digest']['ms']:.1f} ({passes['digest']['statements']})"),
        ("reminder pass: ms (SQL statements)",
         f"{passes['reminders']['ms']:.1f} ({passes['reminders']['statements']})"),
        ("bare latest-reading query: ms", f"{passes['bare_latest']['ms']:.1f}"),
        ("digest / bare query", f"{passes['digest_ratio']:.2f}×"),
        ("waymark serve peak RSS (before charts)",
         f"{res['peak_rss_mb']:.0f} MB ({res['peak_rss_before_charts_mb']:.0f} MB)"),
        ("waymark serve start to healthy", f"{res['healthy_seconds']:.2f} s"),
        *(_import_rows(imp) if imp is not None else
          [("readings import", "not measured (--skip-import)")]),
    ]  # fmt: skip


def _request_cpu(found: dict[str, Any]) -> str:
    """The server's CPU a request, waymark's against the floor's, and the bench's own while it
    sent them: twenty requests queue behind each other's CPU, so these make up the ratio."""
    if "cpu_us" not in found:  # not in figures from before it was measured
        return "not measured"
    ratio = found["cpu_us"] / found["floor_cpu_us"] if found["floor_cpu_us"] else float("nan")
    return (
        f"{found['cpu_us']:.0f} / {found['floor_cpu_us']:.0f} µs ({ratio:.2f}×) "
        f"({found['client_cpu_us']:.0f} / {found['floor_client_cpu_us']:.0f} µs)"
    )


def cores(ingest: dict[str, Any], backend: str) -> str:
    """CPU per reading, as the cores it would keep busy at the target rate: waymark's own, then
    with the Slack stand-in's, the bench's and (where measured) PostgreSQL's server's. Where
    they come to more than the machine has, no change short of a cheaper reading reaches the
    target on it, however many workers serve it."""
    cpu = ingest.get("cpu_ms_per_reading")  # not in figures from before it was measured
    if cpu is None:
        return "not measured"
    rate = ingest_target(backend)
    others = ingest.get("standin_cpu_ms_per_reading", 0) + ingest.get(
        "client_cpu_ms_per_reading", 0
    )
    said = (
        f"{cpu:.1f} ms ({rate * cpu / 1000:.1f} cores at {rate}/s); with the stand-in's and "
        f"the bench's {others:.1f} ms"
    )
    database = ingest.get("database_cpu_ms_per_reading", 0)
    if database:  # PostgreSQL's server: not on SQLite, nor in figures from before it was measured
        said += f" and PostgreSQL's {database:.1f} ms"
    return f"{said}, {rate * (cpu + others + database) / 1000:.1f} cores"


def _floor_ingest(floor: dict[str, Any] | None, backend: str) -> str:
    """What the floor reaches with the same replies: where even it cannot reach the target on
    these cores, no waymark can that answers through Bolt and slack-sdk."""
    if floor is None:  # not in figures from before it was measured
        return "not measured"
    return f"{floor['per_second']:.0f}/s; {cores(floor, backend)}"


def _import_rows(imp: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("readings import: rows, rows/s (× bare insert)",
         f"{imp['rows']:,}, {imp['import_per_second']:,}/s ({imp['ratio']:.2f}×)"),
        ("bare insert of the same rows: rows/s", f"{imp['bare_per_second']:,}/s"),
        ("readings import peak RSS", f"{imp['peak_rss_mb']:.0f} MB"),
    ]  # fmt: skip


def table(scale: str, runs: dict[str, Run]) -> str:
    backends = list(runs)
    per_backend = {b: _rows(runs[b], b) for b in backends}
    labels = [label for label, _ in per_backend[backends[0]]]
    body = [[label, *(per_backend[b][i][1] for b in backends)] for i, label in enumerate(labels)]
    return tabulate(body, headers=[f"scale: {scale}", *backends], tablefmt="github")


def targets_table(checked: list[dict[str, Any]]) -> str:
    rows = [
        [
            c["target"],
            c["backend"],
            f"{c['value']:g}",
            c["limit"],
            ("met" if c["met"] else "MISSED") if c["applies"] else "(stress only)",
        ]
        for c in checked
    ]
    return tabulate(rows, headers=["target", "database", "value", "limit", ""], tablefmt="github")
