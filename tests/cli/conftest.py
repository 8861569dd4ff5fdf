"""Fixtures for the `waymark` command's tests."""

from __future__ import annotations

import os

import pytest

# Whatever the shell that runs the tests has set must not decide what waymark does here.
OURS = ("SLACK_", "TEAMS_", "WAYMARK_", "DATABASE_URL")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(OURS):
            monkeypatch.delenv(name)
