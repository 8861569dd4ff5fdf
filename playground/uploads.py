"""The other half of files upload v2: the upload URL the bot posts bytes to, and ``url_private``."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from playground.workspace import Workspace

_PNG = b"\x89PNG\r\n\x1a\n"


class Uploads:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/upload/v1/{key}", self.receive),
            web.get("/files/{file_id}/{filename}", self.serve),
            # Image blocks may name a file by id alone (`slack_file: {id}`); Slack shows it.
            web.get("/files/{file_id}", self.serve),
        ]

    async def receive(self, request: web.Request) -> web.Response:
        """Take the bytes as a raw body (what slack-sdk sends) or as a multipart file field."""
        stored = self.workspace.file_for_upload(request.match_info["key"])
        if stored is None:
            return web.Response(status=404, text="upload_url_not_found")
        content: bytes | None = None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            for value in form.values():
                if isinstance(value, FileField):
                    content = value.file.read()
                    break
            if content is None:
                return web.Response(status=400, text="no_file_data")
        else:
            content = await request.read()
        stored.content = content
        if stored.mimetype == "application/octet-stream" and content.startswith(_PNG):
            stored.mimetype = "image/png"
        return web.Response(text=f"OK - {len(content)}")

    async def serve(self, request: web.Request) -> web.Response:
        stored = self.workspace.files.get(request.match_info["file_id"])
        if (
            stored is None
            or stored.content is None
            or request.match_info.get("filename", stored.name) != stored.name
        ):
            raise web.HTTPNotFound(text="file_not_found")
        disposition = "attachment" if request.query.get("download") else "inline"
        # Header values must be plain ASCII on one line.
        safe_name = "".join(
            c if c.isascii() and c.isprintable() and c != '"' else "_" for c in stored.name
        )
        return web.Response(
            body=stored.content,
            content_type=stored.mimetype,
            headers={
                "Content-Disposition": f'{disposition}; filename="{safe_name}"',
                # A bot could upload HTML or SVG; keep it from running as the playground's page.
                "Content-Security-Policy": "sandbox",
                "X-Content-Type-Options": "nosniff",
            },
        )
