"""Settings and the example road map that ships with waymark."""

from pathlib import Path

EXAMPLE_ROADMAP = Path(__file__).parent / "example"
