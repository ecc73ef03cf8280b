"""The FastAPI app: routers, middleware, error translation, /health."""

from __future__ import annotations

import observability.no_pydantic_plugins  # noqa: F401  (before anything builds a pydantic model)

# isort: split
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api.errors import install_error_handlers
from api.etag import ETagMiddleware
from api.middleware import RequestLimitsMiddleware
from api.routes import admin, email, queue, template, user
from config.settings import get_settings
from database.health import dependencies_up
from observability.tracing import instrument_app
from schemas.health import Health


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    from database.engine import get_engine

    get_engine().dispose()


def create_app() -> FastAPI:
    settings = get_settings()
    public_docs = settings.environment != "production"
    app = FastAPI(
        title="Scribe",
        version=settings.version,
        summary="Researched, verified academic cold emails.",
        lifespan=lifespan,
        docs_url="/docs" if public_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if public_docs else None,
    )
    app.add_middleware(ETagMiddleware)
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=settings.max_request_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "If-None-Match"],
        # A cross-origin script sees only safelisted response headers unless they are exposed.
        expose_headers=["ETag", "Retry-After"],
    )

    install_error_handlers(app)

    @app.get("/health", response_model=Health, tags=["system"], responses={503: {"model": Health}})
    async def health() -> JSONResponse:
        """200 when the database and the broker answer, 503 (same shape) when not.

        The checks' results are at most a second old (database/health.py)."""
        database, broker = await dependencies_up()
        body = Health(
            status="ok" if database and broker else "degraded",
            database="up" if database else "down",
            broker="up" if broker else "down",
            version=settings.version,
            timestamp=datetime.now(UTC),
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.status == "ok" else 503)

    instrument_app(app)
    app.include_router(user.router)
    app.include_router(email.router)
    app.include_router(admin.router)
    app.include_router(queue.router)
    app.include_router(template.router)
    return app


app = create_app()
