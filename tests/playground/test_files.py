"""Files upload v2 end to end: upload URL, the bytes, completion, sharing, and url_private."""

from __future__ import annotations

import struct
import zlib

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from tests.playground.conftest import BOT, GENERAL, ROADMAP, Running


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG, so a browser would draw it and the size can be checked."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x3f\x0e\x40" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


async def fetch(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.content_type, await response.read()


async def test_files_upload_v2_shares_the_chart_and_serves_it(running: Running) -> None:
    chart = tiny_png()

    answer = await running.client.files_upload_v2(
        channel=ROADMAP.id,
        file=chart,
        filename="trajectory.png",
        title="Outcome 12 against the path to 2040",
        initial_comment="This week's chart",
    )

    uploaded = answer["file"]
    assert uploaded["title"] == "Outcome 12 against the path to 2040"
    assert uploaded["mimetype"] == "image/png"
    assert (uploaded["original_w"], uploaded["original_h"]) == (3, 2)
    # Slack shares in the background: the completion answer does not say where the file went.
    assert uploaded["shares"] == {}
    status, content_type, body = await fetch(uploaded["url_private"])
    assert (status, content_type, body) == (200, "image/png", chart)

    history = await running.client.conversations_history(channel=ROADMAP.id)
    message = history["messages"][0]
    assert message["text"] == "This week's chart"
    assert message["user"] == BOT.id
    assert [f["id"] for f in message["files"]] == [uploaded["id"]]

    info = await running.client.files_info(file=uploaded["id"])
    shares = info["file"]["shares"]["public"][ROADMAP.id]
    assert [share["ts"] for share in shares] == [message["ts"]]


async def test_a_file_uploaded_into_a_thread_is_a_reply(running: Running) -> None:
    digest = await running.client.chat_postMessage(channel=GENERAL.id, text="Weekly digest")

    answer = await running.client.files_upload_v2(
        channel=GENERAL.id,
        content="outcome,value\n12,57.9\n",
        filename="readings.csv",
        thread_ts=digest["ts"],
    )

    info = await running.client.files_info(file=answer["file"]["id"])
    share = info["file"]["shares"]["public"][GENERAL.id][0]
    assert share["thread_ts"] == digest["ts"]
    replies = await running.client.conversations_replies(channel=GENERAL.id, ts=digest["ts"])
    assert [m.get("files", [{}])[0].get("name") for m in replies["messages"][1:]] == [
        "readings.csv"
    ]
    status, content_type, body = await fetch(answer["file"]["url_private"])
    assert (status, content_type, body) == (200, "text/csv", b"outcome,value\n12,57.9\n")


async def test_the_upload_url_also_takes_a_multipart_form(running: Running) -> None:
    chart = tiny_png()
    url = await running.client.files_getUploadURLExternal(filename="chart.png", length=len(chart))
    assert url["upload_url"].startswith(f"{running.url}/")

    form = aiohttp.FormData()
    form.add_field("file", chart, filename="chart.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url["upload_url"], data=form) as response,
    ):
        assert response.status == 200
        assert await response.text() == f"OK - {len(chart)}"
    done = await running.client.files_completeUploadExternal(
        files=[{"id": url["file_id"], "title": "Chart"}], channel_id=GENERAL.id
    )

    status, _, body = await fetch(done["files"][0]["url_private"])
    assert (status, body) == (200, chart)


async def test_completing_a_file_that_was_never_uploaded_is_file_not_found(
    running: Running,
) -> None:
    url = await running.client.files_getUploadURLExternal(filename="chart.png", length=10)

    with pytest.raises(SlackApiError) as caught:
        await running.client.files_completeUploadExternal(
            files=[{"id": url["file_id"]}], channel_id=GENERAL.id
        )

    assert caught.value.response["error"] == "file_not_found"


async def test_sharing_into_a_channel_without_the_bot_is_not_in_channel(running: Running) -> None:
    running.workspace.channel(ROADMAP.id).members.remove(BOT.id)

    with pytest.raises(SlackApiError) as caught:
        await running.client.files_upload_v2(channel=ROADMAP.id, content="x", filename="x.txt")

    assert caught.value.response["error"] == "not_in_channel"


async def test_an_unknown_file_is_not_served(running: Running) -> None:
    status, _, _ = await fetch(f"{running.url}/files/F0NOPE/chart.png")

    assert status == 404
