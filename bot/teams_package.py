"""`waymark teams-package`: the Teams app package (a zip of the manifest and two icons) that a
Teams administrator uploads, with waymark's app id and the organisation's details filled in."""

from __future__ import annotations

import contextlib
import json
import re
import struct
import zipfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from commands.errors import UserError

CHECKOUT_SOURCE = Path(__file__).resolve().parents[1] / "teams"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def package_source() -> Traversable:
    """The manifest and icons: the `teams` package that pyproject.toml installs beside `bot` (the
    top-level `teams/` of a checkout), else that directory found from here."""
    places: list[Traversable] = [CHECKOUT_SOURCE]
    # Not importable: an editable install made before `teams` was packaged. NotADirectoryError:
    # any editable install, whose finder puts a marker in a namespace package's path that the
    # importlib.resources of Python 3.11 cannot read (python/importlib_resources#311). Both are
    # checkouts, so the files are there.
    with contextlib.suppress(ModuleNotFoundError, NotADirectoryError):
        places.insert(0, resources.files("teams"))
    for place in places:
        if (place / "manifest.json").is_file():
            return place
    raise UserError(
        "This installation of waymark has no Teams manifest (looked in "
        + " and ".join(dict.fromkeys(str(place) for place in places))
        + "): reinstall waymark from its source, whose teams/ directory holds it."
    )


def build_package(
    *,
    app_id: str,
    organisation: str,
    website: str,
    out: Path,
    source: Traversable | None = None,
) -> Path:
    if not _GUID.fullmatch(app_id):
        raise UserError(
            f"'{app_id}' is not an app id: give the Application (client) ID of waymark's app "
            "registration, like 5f1c2a34-8d2e-4f5b-9b57-2a1e9c7d4b10, with --app-id or "
            "TEAMS_CLIENT_ID."
        )
    if not website.startswith("https://"):
        raise UserError(f"'{website}' is not an https address: Teams needs one for --website.")
    if source is None:
        source = package_source()
    manifest = (source / "manifest.json").read_text(encoding="utf-8")
    for name, value in {
        "TEAMS_CLIENT_ID": app_id,
        "ORGANISATION": organisation,
        "WEBSITE": website,
    }.items():
        manifest = manifest.replace("{{" + name + "}}", json.dumps(value)[1:-1])
    json.loads(manifest)  # still JSON after filling in
    icons = {name: (source / name).read_bytes() for name in ICONS}
    for name, size in ICONS.items():
        if png_size(icons[name]) != size:
            raise UserError(f"{source / name} must be a {size[0]}x{size[1]} PNG for Teams.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr("manifest.json", manifest)
            for name, data in icons.items():
                package.writestr(name, data)
    except OSError as error:
        raise UserError(
            f"Could not write {out} ({error.strerror}): give --out a file in a folder you can "
            "write to."
        ) from None
    return out


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height
