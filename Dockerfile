# waymark: the chat-ops bot for a partnership road map.

# Build: waymark and what it needs at run time (Slack, Teams, charts and the progress report's
# PDF; no dev tools) into /opt/waymark, at exactly the versions uv.lock pins. uv stays in this
# stage.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/waymark \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

WORKDIR /src

# Dependencies in their own layer: rebuilt only when pyproject.toml or uv.lock changes.
# Compiled to .pyc here, because the image runs with PYTHONDONTWRITEBYTECODE: without them every
# start compiles SQLAlchemy, Bolt and the rest again, about half of waymark's start-up.
ENV UV_COMPILE_BYTECODE=1
COPY pyproject.toml uv.lock ./
RUN pip install "uv==$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;}' uv.lock)" \
    && uv sync --locked --no-install-project --no-editable --extra teams --extra charts --extra reports

COPY README.md ./
COPY bot ./bot
COPY commands ./commands
COPY storage ./storage
COPY scheduler ./scheduler
COPY config ./config
COPY teams ./teams
RUN uv sync --locked --no-editable --extra teams --extra charts --extra reports


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/waymark/bin:$PATH

COPY --from=build /opt/waymark /opt/waymark

# WeasyPrint (the `reports` extra) draws the progress report's PDF with Pango, and the report's
# own font is DejaVu Sans; without them `waymark report` writes the HTML alone. Only these
# libraries and one font family, without recommends, and no apt lists left behind.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 waymark && mkdir -p /data && chown waymark /data
USER waymark
# waymark runs from site-packages; files that commands write (`waymark teams-package`'s zip, CSV
# exports) land in the data volume, the one place the waymark user can write.
WORKDIR /data
VOLUME ["/data"]

ENV DATABASE_URL=sqlite:////data/waymark.db \
    WAYMARK_PORT=3001

EXPOSE 3001
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WAYMARK_PORT', '3001'), timeout=4)"

# Slack's or Teams' credentials come from `docker run -e …`; without them `serve` stops at once,
# naming what to set. The image has no playground (`waymark playground` runs from a checkout).
CMD ["waymark", "serve", "--host", "0.0.0.0", "--port", "3001"]
