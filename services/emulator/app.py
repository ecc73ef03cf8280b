"""The emulator's ASGI app, its control endpoints, and a helper to serve it from a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.emulator import anthropic_api, arxiv_api, exa_api, web
from services.emulator.faults import PRESETS, EmulatorState


async def _configure(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        state.configure(
            latency=body.get("latency"),
            faults=body.get("faults"),
            seed=body.get("seed"),
            composer=body.get("composer"),
            rules=body.get("rules"),
        )
    except (ValueError, TypeError, AttributeError) as error:
        return JSONResponse({"detail": str(error)}, status_code=400)
    return JSONResponse(state.snapshot())


async def _stats(request: Request) -> Response:
    return JSONResponse(request.app.state.emulator.snapshot())


async def _reset(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    state.reset(latency=request.app.state.default_latency, rules=request.app.state.default_rules)
    return JSONResponse(state.snapshot())


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "service": "scribe-provider-emulator"})


def create_app(
    *, latency: str = "zero", state: EmulatorState | None = None, rules: dict[str, Any] | None = None
) -> Starlette:
    """Build the emulator app; `latency` names the preset and `rules` the rate rules (limits.py)
    that /_emulator/reset returns to."""
    if latency not in PRESETS:
        raise ValueError(f"unknown latency preset {latency!r}; expected one of {sorted(PRESETS)}")
    app = Starlette(
        routes=[
            Route("/v1/messages", anthropic_api.create_message, methods=["POST"]),
            Route("/v1/messages/count_tokens", anthropic_api.count_tokens, methods=["POST"]),
            Route("/search", exa_api.search, methods=["POST"]),
            Route("/contents", exa_api.contents, methods=["POST"]),
            Route("/answer", exa_api.answer, methods=["POST"]),
            Route("/api/query", arxiv_api.query, methods=["GET"]),
            Route("/_emulator/config", _configure, methods=["POST"]),
            Route("/_emulator/stats", _stats, methods=["GET"]),
            Route("/_emulator/reset", _reset, methods=["POST"]),
            Route("/_emulator/health", _health, methods=["GET"]),
            # Last: every other GET is a request for a roster web page, answered by host name.
            Route("/{path:path}", web.serve, methods=["GET"]),
        ]
    )
    app.state.emulator = state or EmulatorState()
    app.state.default_latency = latency
    app.state.default_rules = rules or {}
    app.state.emulator.reset(latency=latency, rules=rules)
    return app


class EmulatorHandle:
    """A running emulator: its base URL, its state, and controls for tests and the dev launcher."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        state: EmulatorState,
        url: str,
        latency: str,
        rules: dict[str, Any] | None = None,
    ) -> None:
        self._server, self._thread, self.state, self.url = server, thread, state, url
        self._default_latency = latency
        self._default_rules = rules or {}

    @property
    def arxiv_query_url_format(self) -> str:
        """The value for `arxiv.Client.query_url_format`."""
        return f"{self.url}/api/query?{{}}"

    def configure(
        self,
        *,
        latency: str | dict[str, float] | None = None,
        faults: dict[str, Any] | None = None,
        seed: int | None = None,
        composer: str | None = None,
        rules: dict[str, Any] | None = None,
    ) -> None:
        """Same as POST /_emulator/config."""
        self.state.configure(latency=latency, faults=faults, seed=seed, composer=composer, rules=rules)

    def reset(self) -> None:
        """Same as POST /_emulator/reset (back to the start-up latency and rules, no faults, empty stats)."""
        self.state.reset(latency=self._default_latency, rules=self._default_rules)

    def stats(self) -> dict[str, Any]:
        """Same as GET /_emulator/stats."""
        return self.state.snapshot()

    @contextmanager
    def override(
        self,
        *,
        latency: str | dict[str, float] | None = None,
        faults: dict[str, Any] | None = None,
        seed: int | None = None,
        composer: str | None = None,
        rules: dict[str, Any] | None = None,
    ) -> Iterator[EmulatorHandle]:
        """Apply a configuration for a block, then reset."""
        self.configure(latency=latency, faults=faults, seed=seed, composer=composer, rules=rules)
        try:
            yield self
        finally:
            self.reset()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)


def start_in_thread(
    port: int,
    *,
    host: str = "127.0.0.1",
    latency: str = "zero",
    rules: dict[str, Any] | None = None,
    timeout: float = 10.0,
) -> EmulatorHandle:
    """Serve the emulator on host:port from a daemon thread; returns once it accepts connections."""
    state = EmulatorState()
    app = create_app(latency=latency, state=state, rules=rules)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=2048,
        timeout_keep_alive=30,
        # Hung fault requests must not hold shutdown for their whole timeout.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve()), name=f"emulator:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"provider emulator did not start on {host}:{port}")
        time.sleep(0.02)
    return EmulatorHandle(server, thread, state, f"http://{host}:{port}", latency, rules)


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port."""
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0
