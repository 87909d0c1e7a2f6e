"""App factory: routers, error handlers, guards, health, metrics and the built SPA at /."""

from pathlib import Path
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from app import __doc__ as description
from app import db, idempotency
from app.api import api_router
from app.config import settings
from app.errors import NotFound, install_error_handlers, problem
from app.middleware import GuardMiddleware, MetricsGate, StaticGZip, TrustedProxyHeaders
from app.runtime import lifespan

_NO_SPA = ("/api/", "/docs", "/healthz", "/readyz", "/metrics")


def create_app() -> FastAPI:
    app = FastAPI(
        title="Vanguard Points API",
        description=description,
        version="1.0.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    idempotency.install(app)
    app.include_router(api_router)
    app.add_middleware(StaticGZip)
    app.add_middleware(MetricsGate)
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes)
    # Outermost: every layer inside sees the client's address, not a proxy's.
    app.add_middleware(TrustedProxyHeaders)
    Instrumentator(excluded_handlers=["/metrics"]).instrument(app).expose(
        app, should_gzip=True, endpoint="/metrics", include_in_schema=False
    )
    for entry in app.user_middleware:
        if entry.cls is PrometheusInstrumentatorMiddleware:
            entry.cls = _RememberedRouteNames  # type: ignore[assignment]

    # Swagger UI from the installed bundle: no CDN, so /docs works offline and under our CSP.
    app.mount("/docs/static", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Vanguard Points API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Database unreachable"}})
    async def readyz() -> Response:
        """The database answers."""
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return problem(
                503, "database_unavailable", "Not ready", "The database is not reachable."
            )
        return JSONResponse({"status": "ok"})

    _mount_spa(app, settings.frontend_dist)
    return app


class _RememberedRouteNames(PrometheusInstrumentatorMiddleware):
    """The metrics middleware, naming each request path once instead of on every request.

    It labels a request with its route's template (/api/v1/claims/{claim_id}), found by
    matching the path against every route of the app before the router runs: a twentieth of a
    claim submission's time. A path always gets the same name, so names are remembered per
    method and path, at most _MAX of them (fixed paths such as POST /api/v1/claims, the busy
    ones, always hit; paths with ids come and go).
    """

    _MAX = 4096
    _names: ClassVar[dict[tuple[str, str], tuple[str, bool]]] = {}

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        key = (request.scope["method"], request.scope["path"])
        found = self._names.get(key)
        if found is None:
            if len(self._names) >= self._MAX:
                self._names.clear()
            found = self._names[key] = super()._get_handler(request)
        return found


# Files whose names do not change with their content: the browser asks again each time.
_ALWAYS_REVALIDATED = ("sw.js", "registerSW.js", "manifest.webmanifest")


def _mount_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built PWA: real files as they are, every other path the app shell."""
    root = dist.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        if request.url.path.startswith(_NO_SPA):
            raise NotFound("No such endpoint.")
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(
                "<!doctype html><title>Vanguard Points</title>"
                "<p>The web app is not built. Run <code>make run</code>.</p>",
                status_code=503,
            )
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            headers = {}
            if path.startswith("assets/"):
                headers["Cache-Control"] = "public, max-age=31536000, immutable"
            elif path in _ALWAYS_REVALIDATED or path.startswith("workbox-"):
                headers["Cache-Control"] = "no-cache"
            return FileResponse(candidate, headers=headers)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


app = create_app()
