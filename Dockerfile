# syntax=docker/dockerfile:1
# Stage 1: build the PWA.
FROM node:20-bookworm-slim AS web
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# Stage 2: the Python runtime with the locked dependencies.
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data \
    FORWARDED_ALLOW_IPS=""
RUN pip install --no-cache-dir uv \
    && useradd --system --create-home --uid 10001 vanguard \
    && mkdir -p /data && chown vanguard /data
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations/ migrations/
COPY app/ app/
COPY --from=web /build/frontend/dist/ frontend/dist/
USER vanguard
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
# Migrations first, then the server. SECRET_KEY unset: a random key is made in /data on first
# start (keep the volume). X-Forwarded-For is believed only from FORWARDED_ALLOW_IPS (none by
# default; set it to the reverse proxy's address); the app applies it, not uvicorn.
CMD ["sh", "-c", "/app/.venv/bin/python -m app.cli migrate && exec /app/.venv/bin/uvicorn app.main:app --host \"$HOST\" --port \"$PORT\" --no-proxy-headers --no-server-header"]
