"""Local HTTP servers on 127.0.0.1 for fetcher tests: canned bodies, redirects, floods, trickles.

Each server records every request it receives, so a test can prove a server was never reached.
"""

from __future__ import annotations

import gzip
import io
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

type Headers = dict[str, str] | None
type Writer = Callable[[io.BufferedIOBase, threading.Event], None]


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    writer: Writer | None = None


@dataclass
class Stream:
    """What a streaming writer managed to send before the client went away."""

    sent: int = 0
    done: threading.Event = field(default_factory=threading.Event)


class TestServer:
    __test__ = False

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path.split("?", 1)[0], Route(status=404, body=b"missing"))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.writer is None:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                try:
                    if route.writer is None:
                        self.wfile.write(route.body)
                    else:
                        route.writer(self.wfile, server.stopping)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        self._httpd = (server_class if ":" in host else ThreadingHTTPServer)((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://[{self.host}]:{self.port}" if ":" in self.host else f"http://{self.host}:{self.port}"

    def serve(
        self, path: str, body: bytes, *, content_type: str = "application/pdf", headers: Headers = None
    ) -> None:
        self.routes[path] = Route(headers={"Content-Type": content_type, **(headers or {})}, body=body)

    def redirect(self, path: str, location: str, *, status: int = 302, headers: Headers = None) -> None:
        self.routes[path] = Route(status=status, headers={"Location": location, **(headers or {})})

    def stream(self, path: str, writer: Writer, *, content_type: str = "application/pdf") -> None:
        self.routes[path] = Route(headers={"Content-Type": content_type}, writer=writer)

    def close(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def running(host: str = "127.0.0.1") -> Iterator[TestServer]:
    server = TestServer(host)
    try:
        yield server
    finally:
        server.close()


def flood(total: int, record: Stream, chunk: int = 64 * 1024) -> Writer:
    """Send `total` bytes as fast as the client takes them, counting what actually left."""

    def write(wfile: io.BufferedIOBase, stopping: threading.Event) -> None:
        block = b"%" * chunk
        try:
            while record.sent < total and not stopping.is_set():
                wfile.write(block)
                record.sent += chunk
        finally:
            record.done.set()

    return write


def trickle(record: Stream, *, every: float = 0.05, seconds: float = 30.0) -> Writer:
    """A slow-loris body: one byte at a time, never finishing within any sane deadline."""

    def write(wfile: io.BufferedIOBase, stopping: threading.Event) -> None:
        deadline = time.monotonic() + seconds
        try:
            wfile.write(b"%PDF-")
            while time.monotonic() < deadline and not stopping.wait(every):
                wfile.write(b"x")
                wfile.flush()
                record.sent += 1
        finally:
            record.done.set()

    return write


@cache
def gzip_bomb(decoded_mb: int = 64) -> bytes:
    """A gzip body of a few dozen KB that inflates to `decoded_mb` MB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(decoded_mb)) + packer.flush()


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


class FakeResolver:
    """Answers host names from a table, as DNS would; unknown names do not resolve."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])
