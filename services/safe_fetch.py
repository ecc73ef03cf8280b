"""The one safe fetcher for every server-side URL fetch (SPEC §9): resume PDFs, scraped pages.

A URL is fetched only if its scheme is http(s), it carries no credentials, its port is allowed and
every address its host resolves to is public. The connection goes to the checked address (pinned:
no second DNS lookup, so no rebinding), redirects are followed by hand and re-checked, and the body
is read under a byte cap and a wall-clock deadline. Error messages are safe to show to users.

Trust is granted only through constructor arguments (`AddressPolicy`), never read from the
environment here, so no setting can switch the address checks off by accident. A trusted origin is
an exact (scheme, host, port) an operator configured: its port and the addresses its host resolves
to are taken as configured (a local `supabase start` at http://127.0.0.1:54321), while every other
URL, including a redirect out of a trusted origin, keeps every check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from services import async_runtime
from services.pinned_pool import pinned_pool

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
type Resolver = Callable[[str, int], Sequence[str]]

USER_AGENT = "ScribeFetcher/1.0"
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+)){0,3}$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


class FetchError(Exception):
    """A fetch did not produce a body; `message` is short and safe to show to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FetchRefused(FetchError):
    """The URL or the response breaks the fetch policy (address, scheme, size, type ...)."""


class FetchFailed(FetchError):
    """The fetch was allowed but did not succeed (unreachable, error status, too slow)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Origin:
    """(scheme, host, port) as a URL names them: host lowercased, brackets dropped, port explicit."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str | httpx.URL) -> Origin:
        parsed = httpx.URL(url) if isinstance(url, str) else url
        port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, 0)
        return cls(parsed.scheme, parsed.raw_host.decode("ascii").lower(), port)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses and ports may be contacted.

    `trusted_origins` are exact origins an operator configured: any port, any address their host
    resolves to. `trusted` lists exact (address, port) endpoints that may be non-public (a test
    server). Everything else must be a public address on the scheme's default port or one of
    `extra_ports`.
    """

    extra_ports: frozenset[int] = frozenset()
    trusted: frozenset[tuple[IPAddress, int]] = field(default_factory=frozenset)
    trusted_origins: frozenset[Origin] = frozenset()

    def port_allowed(self, scheme: str, port: int) -> bool:
        return port == DEFAULT_PORTS[scheme] or port in self.extra_ports

    def address_allowed(self, address: IPAddress, port: int) -> bool:
        return (address, port) in self.trusted or is_public(address)


def is_public(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (IPv4 inside IPv6 is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        # Mapped (::ffff:a.b.c.d) and compatible (::a.b.c.d) forms reach IPv4 hosts behind the v6 checks.
        if address.ipv4_mapped is not None or address in _V4_COMPATIBLE or address in _NAT64_LOCAL:
            return False
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None or address.teredo is not None or address.is_site_local:
            return False
    # is_global already leaves out private, loopback, link-local, CGNAT and 0/8, but not multicast.
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_private)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, legacy IPv4 spellings included; None for names.

    `2130706433`, `0x7f.1` and `017700000001` all mean 127.0.0.1 to inet_aton, so they are decoded
    the same way here instead of being left to a resolver.
    """
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchRefused("The URL's host is not a valid address") from None
    host = host.removesuffix(".")
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        parts = [_parse_ipv4_part(part) for part in host.split(".")]
        value = 0
        for part in parts[:-1]:
            if part > 0xFF:
                raise ValueError(part)
            value = value << 8 | part
        if parts[-1] >= 1 << (8 * (5 - len(parts))):
            raise ValueError(parts[-1])
        return ipaddress.IPv4Address(value << (8 * (5 - len(parts))) | parts[-1])
    except ValueError:
        raise FetchRefused("The URL's host is not a valid address") from None


def _parse_ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address getaddrinfo gives for a host (blocking; run it in a thread)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL and the one address the connection is pinned to."""

    url: httpx.URL
    host: str
    port: int
    address: IPAddress


class SafeFetcher:
    """Fetch public http(s) URLs under caps; build one per use with the policy it needs."""

    def __init__(self, *, resolver: Resolver = system_resolver, policy: AddressPolicy | None = None) -> None:
        self._resolver = resolver
        self._policy = policy or AddressPolicy()

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        timeout: float,
        allowed_types: Collection[str],
        accept: str | None = None,
    ) -> Fetched:
        """GET a URL and return its body; raises `FetchRefused` or `FetchFailed` with a safe message."""
        try:
            async with asyncio.timeout(timeout):
                return await self._fetch(url, max_bytes, timeout, allowed_types, accept)
        except (TimeoutError, httpx.TimeoutException):
            raise FetchFailed("The server took too long to send the file") from None
        except httpx.HTTPError:
            raise FetchFailed("The file could not be downloaded") from None

    async def check(self, url: str | httpx.URL) -> Target:
        """Validate a URL and resolve its host to one checked address (no connection is made)."""
        try:
            parsed = httpx.URL(url) if isinstance(url, str) else url
        except (httpx.InvalidURL, TypeError):
            raise FetchRefused("The URL is not valid") from None
        if parsed.scheme not in DEFAULT_PORTS:
            raise FetchRefused("Only http and https URLs can be fetched")
        if parsed.userinfo:
            raise FetchRefused("URLs with credentials are not allowed")
        origin = Origin.of(parsed)
        host, port = origin.host, origin.port
        if not host:
            raise FetchRefused("The URL has no host")
        # Exactly as configured, or not at all: another port, scheme or spelling of the host is checked.
        trusted = origin in self._policy.trusted_origins
        if not 0 < port < 65536 or not (trusted or self._policy.port_allowed(parsed.scheme, port)):
            raise FetchRefused("The URL's port is not allowed")
        literal = parse_ip_literal(host)
        addresses = [literal] if literal is not None else await self._resolve(host, port)
        if not addresses or not (trusted or all(self._policy.address_allowed(a, port) for a in addresses)):
            raise FetchRefused("URL points to a non-public address")
        # Trusted or not, the connection is pinned to the address just resolved.
        return Target(url=parsed, host=host, port=port, address=addresses[0])

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            found = await async_runtime.in_thread("io", self._resolver, host, port)
            return [ipaddress.ip_address(address.split("%", 1)[0]) for address in found]
        except (OSError, UnicodeError, ValueError):
            raise FetchFailed("The URL's host name could not be resolved") from None

    async def _fetch(
        self, url: str, max_bytes: int, timeout: float, allowed_types: Collection[str], accept: str | None
    ) -> Fetched:
        target = await self.check(url)
        # The loop's pooled connections, reused only for the same host name and checked address.
        # No cookie jar and no environment proxies: a proxy would resolve the name again, undoing
        # the pin.
        pool = await pinned_pool()
        for _hop in range(MAX_REDIRECTS + 1):
            request = self._pinned_request(target, timeout, accept)
            response = await pool.send(request, host=target.host)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    try:
                        next_url = target.url.join(location)
                    except httpx.InvalidURL:
                        raise FetchFailed("The server sent an invalid redirect") from None
                    target = await self.check(next_url)
                    continue
                if response.status_code != 200:
                    raise FetchFailed(f"The server answered with status {response.status_code}")
                content_type = _check_type(response, allowed_types)
                body = await _read_capped(response, max_bytes)
                return Fetched(url=str(target.url), content_type=content_type, body=body)
            finally:
                await response.aclose()
        raise FetchRefused(f"Too many redirects (more than {MAX_REDIRECTS})")

    def _pinned_request(self, target: Target, timeout: float, accept: str | None) -> httpx.Request:
        host = f"[{target.host}]" if ":" in target.host else target.host
        headers = {
            "Host": host if DEFAULT_PORTS[target.url.scheme] == target.port else f"{host}:{target.port}",
            "User-Agent": USER_AGENT,
            "Accept": accept or "*/*",
            # Compressed bodies are decoded here under the byte cap, never by the client.
            "Accept-Encoding": "identity",
        }
        # Connect to the checked address; TLS still sends and verifies the original host name.
        pinned = target.url.copy_with(host=str(target.address), port=target.port)
        extensions: dict[str, Any] = {"timeout": httpx.Timeout(timeout, connect=min(timeout, 10.0)).as_dict()}
        if target.url.scheme == "https":
            extensions["sni_hostname"] = target.host
        return httpx.Request("GET", pinned, headers=headers, extensions=extensions)


def _check_type(response: httpx.Response, allowed_types: Collection[str]) -> str:
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if allowed_types and content_type not in allowed_types:
        raise FetchRefused(f"The server did not send an accepted file type ({', '.join(allowed_types)})")
    return content_type


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    too_large = FetchRefused(f"The file is larger than {max_bytes / (1024 * 1024):g} MB")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    async for chunk in response.aiter_raw(_CHUNK):
        body += decoder.feed(chunk, max_bytes - len(body))
        if len(body) > max_bytes:
            raise too_large
    body += decoder.flush(max_bytes - len(body))
    if len(body) > max_bytes:
        raise too_large
    return bytes(body)


class _Decoder:
    """Decode gzip/deflate incrementally, never producing more than the bytes still allowed.

    Counting decoded bytes (not wire bytes) is what stops a compression bomb: a few kilobytes of
    gzip can expand to gigabytes.
    """

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._inflater: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise FetchRefused("The server used an unsupported content encoding")

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._inflater is None:
            return chunk
        try:
            # At most one byte past the cap: enough to know the body is too large, never more.
            return self._inflater.decompress(chunk, room + 1)
        except zlib.error:
            raise FetchFailed("The server sent a corrupt compressed body") from None

    def flush(self, room: int) -> bytes:
        return self._inflater.flush()[: room + 1] if self._inflater else b""
