"""Headless Chromium for end-to-end tests: Debian's `chromium`, driven by Playwright.

Without a Chromium these tests skip and say why, except in CI, where they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Error, async_playwright

# As the machine notes advise: no sandbox as root, and no background traffic to Google, which
# this closed network refuses (and Chromium retries, slowly).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def chromium() -> AsyncIterator[Browser]:
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    executable = shutil.which("chromium")
    async with async_playwright() as playwright:
        try:
            launched = await playwright.chromium.launch(executable_path=executable, args=ARGS)
        except Error as error:
            reason = f"Chromium cannot be started here: {error.message.splitlines()[0]}"
            if in_ci:
                pytest.fail(reason + " (CI must run the browser tests; .ci/test installs it)")
            pytest.skip(reason)
        try:
            yield launched
        finally:
            await launched.close()
