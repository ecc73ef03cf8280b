"""Resume storage for API tests: a local server that a fake resolver calls `resume.example.com`.

Only that endpoint is trusted, so every other local or private address still meets the real
address checks; a second, untrusted local server stands for the private network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from config.settings import get_settings
from services import templates
from services.safe_fetch import AddressPolicy, SafeFetcher
from tests.fetch.servers import FakeResolver, TestServer, running

PREFIX = "/storage/v1/object/public/resumes"


@dataclass
class Storage:
    server: TestServer
    private: TestServer

    @property
    def base(self) -> str:
        return f"http://resume.example.com:{self.server.port}{PREFIX}"

    def allow(self, *origins: str) -> None:
        """Add origins to RESUME_ALLOWED_ORIGINS for this test."""
        get_settings().resume_allowed_origins.extend(origins)


@contextmanager
def resume_storage(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """Configure the storage origin and swap the app's resume fetcher for one that knows the fake names."""
    with running() as server, running() as private:
        resolver = FakeResolver({"resume.example.com": ["127.0.0.1"], "intranet.example.com": ["10.0.0.1"]})
        policy = AddressPolicy(
            extra_ports=frozenset({server.port, private.port}),
            trusted=frozenset({(ipaddress.IPv4Address("127.0.0.1"), server.port)}),
        )
        origin = f"http://resume.example.com:{server.port}/storage/v1/"
        monkeypatch.setattr(get_settings(), "resume_allowed_origins", [origin])
        app.dependency_overrides[templates.resume_fetcher] = lambda: SafeFetcher(
            resolver=resolver, policy=policy
        )
        try:
            yield Storage(server, private)
        finally:
            app.dependency_overrides.pop(templates.resume_fetcher, None)
