"""The house rules README's "How it is built" states, checked so that they stay true. The
arrows between packages are import-linter's contracts (`.importlinter`, run by `.ci/test`);
what import-linter cannot say is checked here."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "commands", "storage", "scheduler", "config", "playground", "bench", "tests")
MOST_LINES = 400


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def test_no_module_is_longer_than_a_newcomer_can_hold() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(*PACKAGES)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert long == {}, f"modules over {MOST_LINES} lines: split them by role"


@pytest.mark.parametrize(
    "path",
    _modules("commands/domain"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_domain_rules_import_the_standard_library_only(path: Path) -> None:
    """Pure rules: bank holidays and everything else from outside arrive as data."""
    outside = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or name.startswith("commands.domain"):
                continue
            if name == "__future__":
                continue
            outside.append(name)
    assert outside == []
