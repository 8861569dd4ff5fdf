# waymark: the chat-ops bot for a partnership road map.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir -p bot commands storage scheduler config \
    && touch bot/__init__.py commands/__init__.py storage/__init__.py scheduler/__init__.py config/__init__.py \
    && pip install . \
    && pip uninstall -y waymark

COPY bot ./bot
COPY commands ./commands
COPY storage ./storage
COPY scheduler ./scheduler
COPY config ./config
COPY teams ./teams
RUN pip install --no-deps .

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
