"""Thin pages: fetched safely and read without boilerplate; huge, bombed or non-HTML pages skipped;
JavaScript pages rendered in the system Chromium (when installed), and no Chromium is never a crash."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Iterator

import pytest

from pipeline.models import Source
from pipeline.steps.web_scraper.pages import fill_thin_sources
from services.page_fetch import PageFetcher, PageText, SharedBrowser, extract_text, looks_like_js_app
from services.safe_fetch import AddressPolicy, FetchRefused, SafeFetcher
from tests.fetch.servers import FakeResolver, Stream, TestServer, flood, gzip_bomb, running

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium (CI: .ci/run) to test JavaScript pages",
)
MB = 1024 * 1024
PROSE = "Jane Smith is a Professor of Physics at Example University. " * 8
STATIC = f"""<html><head><title>Jane Smith</title><script>var tracking = 1;</script></head><body>
<nav>Home | People | News</nav><main><h1>Jane Smith</h1><p>{PROSE}</p></main>
<footer>Copyright 2025</footer></body></html>""".encode()
APP_SHELL = b"""<html><head><title>Lab</title><script src="/app.js" defer></script></head><body>
<div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>"""
APP_JS = b"""fetch("/data.json").then(r => r.json()).then(d => {
  document.getElementById("root").innerHTML = "<p>" + d.text + "</p>";
  fetch(d.secret).then(r => r.text()).then(t => { document.body.append(t); }).catch(() => {});
});"""


@pytest.fixture
def server() -> Iterator[TestServer]:
    with running() as test_server:
        yield test_server


def fetcher_for(
    server: TestServer, *, browser: SharedBrowser | None = None, max_bytes: int = 2 * MB
) -> PageFetcher:
    resolver = FakeResolver({"lab.example.edu": ["127.0.0.1"]})
    policy = AddressPolicy(
        extra_ports=frozenset({server.port}),
        trusted=frozenset({(ipaddress.IPv4Address("127.0.0.1"), server.port)}),
    )
    safe = SafeFetcher(resolver=resolver, policy=policy)
    return PageFetcher(fetcher=safe, browser=browser, max_bytes=max_bytes, timeout=5.0)


def url(server: TestServer, path: str = "/") -> str:
    return f"http://lab.example.edu:{server.port}{path}"


def thin(server: TestServer, path: str = "/") -> Source:
    return Source(url=url(server, path), title="Jane Smith", text="")


def test_a_static_page_gives_its_prose_without_scripts_or_navigation(server: TestServer) -> None:
    server.serve("/", STATIC, content_type="text/html; charset=utf-8")
    page = asyncio.run(fetcher_for(server)(url(server)))
    assert page.method == "static" and page.title == "Jane Smith"
    assert "Professor of Physics" in page.text
    assert "tracking" not in page.text and "People" not in page.text and "Copyright" not in page.text


def test_a_thin_source_is_filled_and_the_fetch_recorded(server: TestServer) -> None:
    server.serve("/", STATIC, content_type="text/html")
    sources, records = asyncio.run(fill_thin_sources([thin(server)], fetcher_for(server)))
    assert "Professor of Physics" in sources[0].text
    assert records[0].outcome == "static" and records[0].chars > 300


def test_a_20_mb_page_is_skipped(server: TestServer) -> None:
    server.serve("/big", b"<p>" + b"x" * (20 * MB) + b"</p>", content_type="text/html")
    sources, records = asyncio.run(fill_thin_sources([thin(server, "/big")], fetcher_for(server)))
    assert sources[0].text == "" and records[0].outcome == "skipped"
    assert records[0].reason == "The file is larger than 2 MB"


def test_a_page_streamed_without_a_length_stops_at_the_cap(server: TestServer) -> None:
    record = Stream()
    server.stream("/flood", flood(20 * MB, record), content_type="text/html")
    with pytest.raises(FetchRefused):
        asyncio.run(fetcher_for(server)(url(server, "/flood")))
    # Socket buffers hold a few MB in flight; the point is that the client hung up long before 20 MB.
    assert record.done.wait(5) and record.sent < 20 * MB


def test_a_gzip_bomb_is_skipped(server: TestServer) -> None:
    server.serve("/bomb", gzip_bomb(64), content_type="text/html", headers={"Content-Encoding": "gzip"})
    sources, records = asyncio.run(fill_thin_sources([thin(server, "/bomb")], fetcher_for(server)))
    assert sources[0].text == "" and records[0].outcome == "skipped"
    assert "larger than 2 MB" in records[0].reason


def test_a_page_that_is_not_html_is_skipped(server: TestServer) -> None:
    server.serve("/cv.pdf", b"%PDF-1.7", content_type="application/pdf")
    _, records = asyncio.run(fill_thin_sources([thin(server, "/cv.pdf")], fetcher_for(server)))
    assert records[0].outcome == "skipped" and "accepted file type" in records[0].reason


@pytest.mark.parametrize("address", ["http://127.0.0.1/", "http://169.254.169.254/latest/", "http://[::1]/"])
def test_a_page_on_a_private_address_is_never_fetched(address: str) -> None:
    private = Source(url=address, title="", text="")
    _, records = asyncio.run(fill_thin_sources([private], PageFetcher(max_bytes=MB, timeout=2.0)))
    assert records[0].reason == "URL points to a non-public address"


def test_a_javascript_shell_is_recognised_and_a_plain_page_is_not() -> None:
    _, shell_text = extract_text(APP_SHELL)
    assert looks_like_js_app(APP_SHELL, shell_text)
    _, text = extract_text(STATIC)
    assert not looks_like_js_app(STATIC, text)


@pytest.mark.parametrize("executable", ["/nonexistent/chromium", "/bin/false"])
def test_without_a_working_chromium_a_javascript_page_keeps_its_static_text(
    server: TestServer, executable: str
) -> None:
    server.serve("/", APP_SHELL, content_type="text/html")
    browser = SharedBrowser(executable, timeout=5.0)
    page = asyncio.run(fetcher_for(server, browser=browser)(url(server)))
    assert page.method == "static" and not browser.available
    assert [hit.path for hit in server.hits] == ["/"]


@needs_chromium
def test_a_javascript_page_is_rendered_and_its_requests_go_through_the_safe_fetcher(
    server: TestServer,
) -> None:
    with running() as internal:
        internal.serve("/secret", b"internal secret", content_type="text/plain")
        secret = f"http://127.0.0.1:{internal.port}/secret"
        server.serve("/", APP_SHELL, content_type="text/html")
        server.serve("/app.js", APP_JS, content_type="application/javascript")
        server.serve(
            "/data.json",
            f'{{"text": "{PROSE}", "secret": "{secret}"}}'.encode(),
            content_type="application/json",
        )
        browser = SharedBrowser(CHROMIUM, max_pages=1, timeout=20.0)

        async def render_twice() -> tuple[PageText, PageText]:
            fetch = fetcher_for(server, browser=browser)
            try:
                return await fetch(url(server)), await fetch(url(server))
            finally:
                await browser.aclose()

        first, second = asyncio.run(render_twice())
        assert first.method == second.method == "browser"
        assert "Professor of Physics" in first.text and "internal secret" not in first.text
        assert internal.hits == [], "the page's request to a private address was refused"
        assert [hit.path for hit in server.hits].count("/app.js") == 2
