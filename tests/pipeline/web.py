"""A page fetcher that reaches the emulator's roster pages: fictional hosts mapped to the emulator."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from services.emulator.web import roster_hosts
from services.page_fetch import PageFetcher, SharedBrowser
from services.safe_fetch import AddressPolicy, Resolver, SafeFetcher


def roster_resolver(address: str) -> Resolver:
    hosts = roster_hosts()

    def resolve(host: str, port: int) -> Sequence[str]:
        if host not in hosts:
            raise OSError(f"{host} does not resolve")
        return [address]

    return resolve


def emulator_page_fetcher(emulator_url: str, *, browser: SharedBrowser | None = None) -> PageFetcher:
    """Roster hosts resolve to the emulator, and only the emulator's endpoint is trusted."""
    parts = urlsplit(emulator_url)
    address, port = parts.hostname or "127.0.0.1", int(parts.port or 80)
    policy = AddressPolicy(
        extra_ports=frozenset({port}), trusted=frozenset({(ipaddress.ip_address(address), port)})
    )
    fetcher = SafeFetcher(resolver=roster_resolver(address), policy=policy)
    return PageFetcher(fetcher=fetcher, browser=browser, max_bytes=2 * 1024 * 1024, timeout=5.0)
