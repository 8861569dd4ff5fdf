"""Three `waymark init` at once on one empty database, as three replicas starting together
would run it: one migrates and loads the example road map, the others wait for it and find it
done. Real processes, so that each has its own connections and nothing is shared in memory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PostgresTarget, _in_thread
from tests.databases import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
LOADED = "Database ready. Loaded the example road map: "
ALREADY = "The database is up to date and already holds a road map; nothing loaded.\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it, not even its tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    target: PostgresTarget = request.getfixturevalue("postgres")
    if target.url is None:
        pytest.skip(target.reason)
    url = _in_thread(create_postgres_database(migrated=False))
    try:
        yield url
    finally:
        _in_thread(drop_postgres_database(url))


def test_three_inits_at_once_load_the_road_map_once_and_all_succeed(empty_database: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": empty_database}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "init"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        outputs = [p.communicate(timeout=300) for p in processes]
    except subprocess.TimeoutExpired:
        for p in processes:
            p.kill()
        raise
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
    said = sorted(out for out, _ in outputs)
    assert [out.startswith(LOADED) for out in said] == [True, False, False], said
    assert said[1:] == [ALREADY, ALREADY]
