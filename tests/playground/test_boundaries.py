"""Where the playground and the composition root sit: the playground is a tool beside waymark
and imports nothing of it; `bot`, `playground` and `bench` import each other without cycles;
a Slack-only installation runs without the Teams SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bot", "playground", "bench", "commands", "storage", "scheduler", "config")


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module `path` imports, at the top or inside a function, `TYPE_CHECKING` aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = (
                    name.split(".")[: -node.level] if path.stem != "__init__" else name.split(".")
                )
                base = ".".join([*package, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_playground_imports_nothing_of_waymark() -> None:
    for name, path in modules("playground").items():
        theirs = {m for m in imports(path, name) if m.split(".")[0] in OURS}
        assert all(m.startswith("playground") for m in theirs), (name, theirs)
        assert not {m for m in imports(path, name) if m.startswith(("slack_", "microsoft"))}


def test_no_import_cycles_among_bot_playground_and_bench() -> None:
    known = {**modules("bot"), **modules("playground"), **modules("bench")}
    graph = {
        name: {m for m in imports(path, name) if m in known and m != name}
        for name, path in known.items()
    }
    # A package's __init__ importing its own modules is how a package is built, not a cycle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


SLACK_ONLY = """
import asyncio, sys
sys.modules["microsoft_teams"] = None  # not installed
from bot.cli import main
from bot.wiring import start_server
from config.settings import Settings

assert main(["init"]) == 0
assert main(["remind", "--dry-run", "--at", "2026-03-02T10:00"]) == 0
assert main(["outbox"]) == 0

async def serve() -> None:
    settings = Settings.model_validate(
        {"DATABASE_URL": sys.argv[1], "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    )
    running = await start_server(settings, host="127.0.0.1", port=0, tick=False)
    await running.stop()

asyncio.run(serve())
assert not any(name.startswith("bot.teams.") for name in sys.modules), "Teams was imported"
print("ran without the Teams SDK")
"""


def test_a_slack_only_installation_runs_without_the_teams_sdk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'waymark.db'}"
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SLACK_ONLY, url],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ran without the Teams SDK" in done.stdout
