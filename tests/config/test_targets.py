"""WAYMARK_DIGEST_CHANNEL and WAYMARK_PROGRAMME_CHANNEL as people write them, read into the
(platform, channel) targets waymark posts to."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings
from config.targets import Target, TargetError, channel_target, channel_targets

DIGEST = "WAYMARK_DIGEST_CHANNEL"
PROGRAMME = "WAYMARK_PROGRAMME_CHANNEL"


@pytest.mark.parametrize(
    ("written", "targets"),
    [
        ("C123", [("slack", "C123")]),  # a Slack channel id, as before there was Teams
        ("slack:C123", [("slack", "C123")]),
        ("teams:19:abc@thread.tacv2", [("teams", "19:abc@thread.tacv2")]),  # split at the first :
        ("C1 teams:19:x@thread.tacv2", [("slack", "C1"), ("teams", "19:x@thread.tacv2")]),
        ("C1,teams:19:x@thread.tacv2", [("slack", "C1"), ("teams", "19:x@thread.tacv2")]),
        (" C1 ,  C2 ", [("slack", "C1"), ("slack", "C2")]),
        ("Teams:19:x@thread.tacv2", [("teams", "19:x@thread.tacv2")]),
        ("C1 slack:C1", [("slack", "C1")]),  # the same channel twice is posted to once
        ("", []),
        (None, []),
    ],
)
def test_targets_as_written(written: str | None, targets: list[tuple[str, str]]) -> None:
    assert list(channel_targets(written, DIGEST)) == targets
    assert all(isinstance(t, Target) for t in channel_targets(written, DIGEST))


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            "fax:C1",
            "WAYMARK_DIGEST_CHANNEL: 'fax' in 'fax:C1' is not a platform waymark posts to "
            "(slack or teams): write C0123456789 for a Slack channel, or "
            "teams:19:abc@thread.tacv2 for a Teams one",
        ),
        (
            "C1 19:x@thread.tacv2",
            "WAYMARK_DIGEST_CHANNEL: '19:x@thread.tacv2' looks like a Teams channel: write it "
            "as teams:19:x@thread.tacv2",
        ),
        ("teams:", "WAYMARK_DIGEST_CHANNEL: 'teams:' names no channel after 'teams:'"),
        ("slack:19:x", "WAYMARK_DIGEST_CHANNEL: '19:x' is not a Slack channel id"),
    ],
)
def test_a_target_waymark_cannot_read_names_the_variable(written: str, problem: str) -> None:
    with pytest.raises(TargetError) as caught:
        channel_targets(written, DIGEST)
    assert str(caught.value).startswith(problem)


def test_the_programme_channel_is_one_target() -> None:
    assert channel_target("teams:19:p@thread.tacv2", PROGRAMME) == ("teams", "19:p@thread.tacv2")
    assert channel_target("C0PROGRAMME", PROGRAMME) == ("slack", "C0PROGRAMME")
    assert channel_target(None, PROGRAMME) is None
    with pytest.raises(TargetError, match=r"^WAYMARK_PROGRAMME_CHANNEL: 'C1 C2' names 2 channels"):
        channel_target("C1 C2", PROGRAMME)


def test_settings_keep_the_value_as_written_and_stop_on_one_they_cannot_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DIGEST, "C0DIGEST, teams:19:digest@thread.tacv2")
    monkeypatch.setenv(PROGRAMME, "C0PROGRAMME")
    settings = load_settings()
    assert settings.digest_channel == "C0DIGEST, teams:19:digest@thread.tacv2"
    assert settings.programme_channel == "C0PROGRAMME"

    monkeypatch.setenv(DIGEST, "fax:C1")
    monkeypatch.setenv(PROGRAMME, "C1 C2")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    lines = str(caught.value).splitlines()
    assert lines[0] == "Settings need fixing before waymark can start:"
    assert lines[1].startswith("WAYMARK_DIGEST_CHANNEL: 'fax' in 'fax:C1' is not a platform")
    assert lines[2].startswith("WAYMARK_PROGRAMME_CHANNEL: 'C1 C2' names 2 channels")
