"""The safe fetcher keeps connections alive per event loop, and reuses one only for the host name
and checked address it was opened for."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import threading
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.safe_fetch import AddressPolicy, FetchError, SafeFetcher
from tests.fetch.servers import FakeResolver

BODY = b"%PDF-1.4 a small body"


class KeepAliveServer:
    """HTTP/1.1 with keep-alive; records which Host headers each TCP connection carried."""

    def __init__(self) -> None:
        self.hosts_by_connection: dict[int, list[str]] = defaultdict(list)
        numbers = itertools.count()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:  # one handler per TCP connection
                super().setup()
                self.number = next(numbers)

            def do_GET(self) -> None:
                recorder.hosts_by_connection[self.number].append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[KeepAliveServer]:
    running = KeepAliveServer()
    yield running
    running.close()


def fetcher_for(server: KeepAliveServer, *names: str) -> SafeFetcher:
    """A fetcher for which each name resolves to the local server, the one trusted endpoint."""
    return SafeFetcher(
        resolver=FakeResolver({name: ["127.0.0.1"] for name in names}),
        policy=AddressPolicy(
            extra_ports=frozenset({server.port}),
            trusted=frozenset({(ipaddress.IPv4Address("127.0.0.1"), server.port)}),
        ),
    )


async def get(fetcher: SafeFetcher, url: str) -> bytes:
    fetched = await fetcher.fetch(url, max_bytes=1024, timeout=5, allowed_types={"application/pdf"})
    return fetched.body


def test_fetches_on_one_loop_share_a_kept_alive_connection(server: KeepAliveServer) -> None:
    url = f"http://pages.example.com:{server.port}/cv.pdf"

    async def five_fetches() -> list[bytes]:
        # Separate fetcher objects, as each request to the API builds its own: the pool is the loop's.
        return [await get(fetcher_for(server, "pages.example.com"), url) for _ in range(5)]

    assert asyncio.run(five_fetches()) == [BODY] * 5
    assert [len(hosts) for hosts in server.hosts_by_connection.values()] == [5]


def test_a_connection_is_never_reused_for_another_host_name(server: KeepAliveServer) -> None:
    fetcher = fetcher_for(server, "a.example.com", "b.example.com")

    async def alternate() -> None:
        for name in ("a.example.com", "b.example.com") * 3:
            await get(fetcher, f"http://{name}:{server.port}/cv.pdf")

    asyncio.run(alternate())
    # Both names resolve to the same checked address and port, yet each has a connection of its own.
    assert sorted(server.hosts_by_connection.values()) == [
        [f"a.example.com:{server.port}"] * 3,
        [f"b.example.com:{server.port}"] * 3,
    ]


def test_a_refused_address_is_refused_even_with_a_pooled_connection_to_it(server: KeepAliveServer) -> None:
    url = f"http://pages.example.com:{server.port}/cv.pdf"
    strict = SafeFetcher(
        resolver=FakeResolver({"pages.example.com": ["127.0.0.1"]}),
        policy=AddressPolicy(extra_ports=frozenset({server.port})),
    )

    async def trusted_then_strict() -> str:
        await get(fetcher_for(server, "pages.example.com"), url)
        try:
            await get(strict, url)
        except FetchError as exc:
            return exc.message
        return "fetched"

    assert asyncio.run(trusted_then_strict()) == "URL points to a non-public address"
    assert [len(hosts) for hosts in server.hosts_by_connection.values()] == [1]


def test_each_event_loop_has_its_own_connections(server: KeepAliveServer) -> None:
    url = f"http://pages.example.com:{server.port}/cv.pdf"
    fetcher = fetcher_for(server, "pages.example.com")
    for _ in range(2):
        asyncio.run(get(fetcher, url))  # a new loop each time: connections never cross loops
    assert len(server.hosts_by_connection) == 2
