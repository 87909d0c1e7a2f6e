"""ASGI guards on every request: body size, NUL bytes in the URL, security headers (no-store
on API answers), trusted proxies' forwarding headers, and the token in front of /metrics."""

import hmac
import re
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import settings
from app.errors import problem

_SPA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Swagger UI runs an inline bootstrap script; only /docs gets that allowance.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'"
)
_STATIC_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), microphone=(), payment=(), usb=()"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]


# Evidence uploads carry a file of up to 5 MiB, and member imports a sheet of up to 10 MiB,
# plus multipart framing; nothing else may.
_UPLOAD_PATH = re.compile(r"^/api/v1/claims/[0-9]+/evidence$")
UPLOAD_BODY_BYTES = 5 * 1024 * 1024 + 64 * 1024
_IMPORT_PATH = "/api/v1/member-imports"
IMPORT_BODY_BYTES = 10 * 1024 * 1024 + 64 * 1024


class GuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = (_DOCS_CSP if path.startswith("/docs") else _SPA_CSP).encode()

        no_store = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"]
                headers.extend(_STATIC_HEADERS)
                headers.append((b"content-security-policy", csp))
                # API answers carry tokens, initial passwords, client secrets and personal
                # data: no cache keeps them unless a route says otherwise (evidence files).
                if no_store and not any(h[0].lower() == b"cache-control" for h in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        raw_path = scope.get("raw_path") or path.encode()
        query: bytes = scope.get("query_string", b"")
        if b"%00" in raw_path.lower() or b"%00" in query or "\x00" in path or b"\x00" in query:
            await self._refuse(
                scope,
                receive,
                send_with_headers,
                400,
                "nul_byte",
                "NUL characters are not allowed in the URL.",
            )
            return
        if _UPLOAD_PATH.match(path):
            limit = UPLOAD_BODY_BYTES
        elif path == _IMPORT_PATH:
            limit = IMPORT_BODY_BYTES
        else:
            limit = self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(
                scope,
                receive,
                send_with_headers,
                413,
                "payload_too_large",
                f"The request body exceeds {limit} bytes.",
            )
            return

        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # A body without Content-Length (chunked) is read here, up to the limit, first.
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await self._refuse(
                        scope,
                        receive,
                        send_with_headers,
                        413,
                        "payload_too_large",
                        f"The request body exceeds {limit} bytes.",
                    )
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Any, status: int, code: str, detail: str
    ) -> None:
        title = code.replace("_", " ").capitalize()
        response = problem(status, code, title, detail)
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class StaticGZip:
    """Gzips the web app's files and docs. API answers are left alone: they sit next to
    tokens, and compressing them would open a BREACH-style side channel for little gain."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(
            ("/api/", "/metrics")
        ):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class TrustedProxyHeaders:
    """X-Forwarded-For and -Proto, believed only from the proxies in FORWARDED_ALLOW_IPS: a
    made-up header from anyone else must not change the address the sign-in throttle sees.
    Read per request, so the setting is honoured however the app is served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inner: tuple[str, ProxyHeadersMiddleware] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        trusted = settings.forwarded_allow_ips
        if scope["type"] not in ("http", "websocket") or not trusted.strip():
            await self.app(scope, receive, send)
            return
        if self._inner is None or self._inner[0] != trusted:
            self._inner = (trusted, ProxyHeadersMiddleware(self.app, settings.trusted_proxies))  # type: ignore[arg-type]
        await self._inner[1](scope, receive, send)  # type: ignore[arg-type]


class MetricsGate:
    """/metrics only with METRICS_TOKEN configured, and only for a bearer of that token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/metrics":
            await self.app(scope, receive, send)
            return
        token = settings.metrics_token
        if not token:
            response = problem(404, "not_found", "Not found", "No such endpoint.")
        else:
            sent = dict(scope.get("headers", [])).get(b"authorization", b"")
            if hmac.compare_digest(sent, f"Bearer {token}".encode()):
                await self.app(scope, receive, send)
                return
            response = problem(
                401,
                "not_authenticated",
                "Authentication required",
                "The metrics need the bearer token configured as METRICS_TOKEN.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        await response(scope, receive, send)
