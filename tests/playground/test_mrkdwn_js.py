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
    assert render(":tada: :no_such_emoji:") == (
        '<span class="emoji" title=":tada:">🎉</span> :no_such_emoji:'
    )


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("🟢 On track", '<span class="mark dot good" role="img" aria-label="green"'),
        ("🟠 At risk", '<span class="mark dot warning" role="img" aria-label="amber"'),
        ("🔴 Off track", '<span class="mark dot bad" role="img" aria-label="red"'),
        ("⚪ No data", '<span class="mark dot neutral" role="img" aria-label="grey"'),
        (":white_check_mark: done", '<span class="mark tick" role="img" aria-label="done"'),
        ("⚠️ late", '<span class="mark caution" role="img" aria-label="warning"'),
    ],
)
def test_status_marks_are_drawn_shapes_not_emoji(text: str, mark: str) -> None:
    """A machine without an emoji font (Debian's headless Chromium) shows emoji as boxes."""
    html = render(text)
    assert html.startswith(mark)
    assert html.endswith(text.split(" ", 1)[1])


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
