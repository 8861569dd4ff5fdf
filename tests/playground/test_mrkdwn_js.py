"""The page's mrkdwn renderer, run in Node: Slack formatting in, safe HTML out."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from playground.page import STATIC_DIR

NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

USERS = {"U0AMIRA": "Amira Khan"}
CHANNELS = {"C0GENERAL": "general"}


def render(text: str) -> str:
    script = f"""
        const m = require({json.dumps(str(STATIC_DIR / "mrkdwn.js"))});
        const users = {json.dumps(USERS)};
        const channels = {json.dumps(CHANNELS)};
        const context = {{
            userName: (id) => users[id] || null,
            channelName: (id) => channels[id] || null,
        }};
        process.stdout.write(m.mrkdwn({json.dumps(text)}, context));
    """
    assert NODE is not None
    # Runs the project's own file with a fixed script; nothing here comes from outside.
    done = subprocess.run(  # noqa: S603
        [NODE, "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*on track*", "<strong>on track</strong>"),
        ("_behind_ and ~old~", "<em>behind</em> and <del>old</del>"),
        ("`code *kept*`", "<code>code *kept*</code>"),
        ("```\n<b>as typed</b>\n```", "<pre><code>&lt;b&gt;as typed&lt;/b&gt;\n</code></pre>"),
        (
            "<@U0AMIRA> please",
            '<span class="mention" data-user="U0AMIRA">@Amira Khan</span> please',
        ),
        ("see <#C0GENERAL>", 'see <span class="mention channel-mention">#general</span>'),
        (
            "<https://example.org/a_b|the _report_>",
            '<a href="https://example.org/a_b" target="_blank" rel="noopener noreferrer">'
            "the _report_</a>",
        ),
        ("A &amp; B &lt;3", "A &amp; B &lt;3"),
        ("snake_case_name", "snake_case_name"),
        ("&gt; quoted\nnot", "<blockquote>quoted</blockquote>not"),
    ],
)
def test_slack_formatting_becomes_html(text: str, html: str) -> None:
    assert render(text) == html


def test_known_emoji_become_glyphs_and_others_stay_as_names() -> None:
    assert render(":white_check_mark: :no_such_emoji:") == (
        '<span class="emoji" title=":white_check_mark:">✅</span> :no_such_emoji:'
    )


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "&lt;img src=x onerror=alert(1)&gt;",
        "<javascript:alert(1)|click me>",
        '<https://example.org/" onmouseover="alert(1)|x>',
        "*<img src=x onerror=alert(1)>*",
    ],
)
def test_nothing_typed_becomes_markup(text: str) -> None:
    rendered = render(text)

    assert "<script" not in rendered
    assert "<img" not in rendered
    assert "javascript:" not in rendered
    assert 'onmouseover="' not in rendered
