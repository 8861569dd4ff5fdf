"""`/reports/{token}/{name}.pdf`: the published progress report's PDF, from waymark's own server.

Teams gives a bot no way to attach a file to a channel message (a file attachment is for a
personal chat, after the person accepts it in a FileConsentCard; the channel's files folder needs
Graph permissions over the team's SharePoint). So the card announcing a report opens the PDF
here instead. The address holds a random token of 192 bits, made when the report was published:
only those shown the card can open it, as only those in a Slack channel see its files. The
report holds approved, published figures, and names no one."""

from __future__ import annotations

from aiohttp import web

from commands.reports.publishing import published_pdf
from storage.db import Database


def report_files_route(web_app: web.Application, db: Database) -> None:
    async def serve(request: web.Request) -> web.Response:
        async with db.reading() as session:
            found = await published_pdf(
                session, request.match_info["token"], request.match_info["name"]
            )
        if found is None:
            raise web.HTTPNotFound(text="No published report is at this address.")
        name, content = found
        return web.Response(
            body=content,
            content_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                # The address is the key: keep it out of shared caches, referrers and indexes.
                "Cache-Control": "private, max-age=3600",
                "Referrer-Policy": "no-referrer",
                "X-Robots-Tag": "noindex",
                "X-Content-Type-Options": "nosniff",
            },
        )

    web_app.router.add_get("/reports/{token}/{name}", serve)
