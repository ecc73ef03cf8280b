"""The safe fetcher's connections: one pool per event loop, keyed by host name *and* pinned address.

Building an HTTP client per fetch cost ~15 ms of CPU here (its TLS context loads the CA bundle),
several times that on a Pi and under load, on the event loop every pipeline (and in the API, every
request) shares; and no connection was ever reused. Here the TLS context is built once per process,
in a thread (with httpcore's import: together 40-90 ms here, which stalled the API's loop at its
first resume download), and connections are kept alive between fetches.

A pooled connection is reused only for the endpoint it was opened for: the same scheme, host name,
checked address and port. A connection opened to address X for name A (and, over TLS, verified as
A) is never handed to a request for name B that also resolves to X, and a name whose address
changed gets a new connection to the newly checked address. Requests go to the transport directly,
not through a client: no cookie jar, no environment proxies, no automatic redirects.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx

from services import async_runtime

# Endpoints (host name, address, port) kept per loop; idle ones beyond this are closed, oldest first.
MAX_ENDPOINTS = 64
# Connections at once are bounded by the callers (template and pipeline caps), as before pooling.
LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=4, keepalive_expiry=30.0)

type Endpoint = tuple[str, str, str, int]  # scheme, host name, pinned address, port


@dataclass
class _Pool:
    transport: httpx.AsyncHTTPTransport
    in_use: int = 0


@dataclass
class PinnedPool:
    tls: ssl.SSLContext = field(default_factory=httpx.create_ssl_context)
    pools: OrderedDict[Endpoint, _Pool] = field(default_factory=OrderedDict)
    opened: int = 0  # transports built so far (tests read it)

    async def send(self, request: httpx.Request, *, host: str) -> httpx.Response:
        """Send a request whose URL carries the pinned address, for the host name `host`.

        The caller must `aclose()` the response; its stream is read from the pooled connection.
        """
        endpoint = (request.url.scheme, host, request.url.host, request.url.port or 0)
        pool = self._pool(endpoint)
        pool.in_use += 1
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.in_use -= 1
            raise
        response.request = request
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Released(response.stream, pool)
        await self._trim()
        return response

    def _pool(self, endpoint: Endpoint) -> _Pool:
        pool = self.pools.get(endpoint)
        if pool is None:
            transport = httpx.AsyncHTTPTransport(verify=self.tls, limits=LIMITS, trust_env=False)
            pool = self.pools[endpoint] = _Pool(transport)
            self.opened += 1
        self.pools.move_to_end(endpoint)
        return pool

    async def _trim(self) -> None:
        idle = [endpoint for endpoint, pool in self.pools.items() if not pool.in_use]
        for endpoint in idle[: max(0, len(self.pools) - MAX_ENDPOINTS)]:
            await self.pools.pop(endpoint).transport.aclose()


class _Released(httpx.AsyncByteStream):
    """A response body that marks its pool idle again once closed."""

    def __init__(self, stream: httpx.AsyncByteStream, pool: _Pool) -> None:
        self._stream = stream
        self._pool = pool
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.in_use -= 1
        await self._stream.aclose()


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PinnedPool] = weakref.WeakKeyDictionary()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    import httpcore  # noqa: F401  (the transports import it on first use: here, off the loop)

    return httpx.create_ssl_context()


async def pinned_pool() -> PinnedPool:
    """The running event loop's pool (connections belong to the loop that opened them)."""
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        tls = await async_runtime.in_thread("io", _tls_context)
        pool = _pools.setdefault(loop, PinnedPool(tls=tls))
    return pool
