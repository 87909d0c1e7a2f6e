"""Dependencies of the auth routes: the caller's address and the same-origin check."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from app.config import settings
from app.errors import Forbidden

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def client_address(request: Request) -> str:
    """The peer's address; a trusted proxy's X-Forwarded-For is applied before (middleware)."""
    return request.client.host if request.client else "unknown"


def _host_port(netloc: str, scheme: str) -> str | None:
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        return None
    return f"{parts.hostname}:{port or _DEFAULT_PORTS[scheme]}"


def is_own_origin(origin: str, request: Request) -> bool:
    """The Origin is the service's own (the Host it was asked by) or a configured one."""
    origin = origin.strip().lower().rstrip("/")
    if origin in settings.extra_origins:
        return True
    parts = urlsplit(origin)
    host = request.headers.get("host")
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or not host:
        return False
    # Schemes are not compared: behind a TLS proxy the app may see http for an https origin.
    mine = _host_port(host, parts.scheme)
    return mine is not None and _host_port(parts.netloc, parts.scheme) == mine


def same_origin(request: Request) -> None:
    """Cookie-authenticated endpoints refuse a browser request sent from another site."""
    origin = request.headers.get("origin")
    if origin is not None and not is_own_origin(origin, request):
        raise Forbidden("Requests from another site are refused.", code="cross_origin")


# For a route decorator's dependencies=[...]
SameOrigin = Depends(same_origin)
ClientAddress = Annotated[str, Depends(client_address)]
