"""The safe fetcher refuses every way of reaching a non-public address, and caps size and time."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator, Sequence

import pytest

from services.safe_fetch import (
    AddressPolicy,
    Fetched,
    FetchError,
    FetchFailed,
    FetchRefused,
    Origin,
    SafeFetcher,
    is_public,
    parse_ip_literal,
)
from tests.fetch.pdfs import RESUME_LINES, text_pdf
from tests.fetch.servers import FakeResolver, Stream, TestServer, flood, gzip_bomb, gzipped, running, trickle
from tests.fetch.tls import SniRecorder

PDF = text_pdf(RESUME_LINES)
LOCAL = ipaddress.IPv4Address("127.0.0.1")
PUBLIC = "93.184.216.34"
MB = 1024 * 1024


def fetch(fetcher: SafeFetcher, url: str, *, max_bytes: int = MB, timeout: float = 5.0) -> Fetched:
    return asyncio.run(
        fetcher.fetch(url, max_bytes=max_bytes, timeout=timeout, allowed_types={"application/pdf"})
    )


def refusal(fetcher: SafeFetcher, url: str, **kwargs: float) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(fetcher, url, **kwargs)  # type: ignore[arg-type]
    return caught.value


# Every spelling of a loopback, private, link-local, CGNAT, multicast or reserved address.
# fmt: off
NON_PUBLIC_HOSTS = [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "[::1]", "[::]", "[::ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]", "[::127.0.0.1]", "[64:ff9b::a00:1]", "[fc00::1]", "[fd12:3456::1]",
    "[fe80::1]", "[fec0::1]", "[ff02::1]", "[2002:7f00:1::]", "2130706433", "0x7f.1", "0x7f000001",
    "017700000001", "127.1", "127.0.0.1.", "localhost",
]
# fmt: on


@pytest.fixture
def server() -> Iterator[TestServer]:
    with running() as test_server:
        yield test_server


def trusting(
    server: TestServer, *others: TestServer, table: dict[str, list[str]] | None = None
) -> SafeFetcher:
    """A fetcher for which resume.example.com is `server`, and only that endpoint is trusted."""
    resolver = FakeResolver({"resume.example.com": ["127.0.0.1"], **(table or {})})
    policy = AddressPolicy(
        extra_ports=frozenset({server.port, *(other.port for other in others)}),
        trusted=frozenset({(LOCAL, server.port)}),
    )
    return SafeFetcher(resolver=resolver, policy=policy)


@pytest.mark.parametrize("host", NON_PUBLIC_HOSTS)
def test_non_public_hosts_are_refused_before_any_connection(host: str) -> None:
    error = refusal(SafeFetcher(), f"http://{host}/resume.pdf")
    assert isinstance(error, FetchRefused)
    assert error.message == "URL points to a non-public address"


@pytest.mark.parametrize(
    ("literal", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_legacy_ipv4_spellings_are_decoded_like_inet_aton(literal: str, address: str) -> None:
    assert parse_ip_literal(literal) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["999.1.1.1", "1.2.3.256", "0x100000000", "0x1.0x1000000", "0177.0.0.1"])
def test_numeric_hosts_that_are_no_address_are_refused(host: str) -> None:
    error = refusal(SafeFetcher(), f"http://{host}/")
    assert isinstance(error, FetchRefused)
    assert "not a valid" in error.message or "is not valid" in error.message


def test_public_addresses_are_public_including_nat64_of_a_public_ipv4() -> None:
    for address in ("8.8.8.8", "2606:4700::1111", "64:ff9b::808:808"):
        assert is_public(ipaddress.ip_address(address)), address


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/cv.pdf", "gopher://example.com/"])
def test_schemes_other_than_http_are_refused(url: str) -> None:
    assert refusal(SafeFetcher(), url).message == "Only http and https URLs can be fetched"


def test_credentials_in_the_url_are_refused() -> None:
    error = refusal(SafeFetcher(), "http://user:secret@example.com/cv.pdf")
    assert error.message == "URLs with credentials are not allowed"


def test_non_default_ports_are_refused_unless_configured() -> None:
    fetcher = SafeFetcher(resolver=FakeResolver({"example.com": [PUBLIC]}))
    assert refusal(fetcher, "http://example.com:8080/cv.pdf").message == "The URL's port is not allowed"
    assert refusal(fetcher, "https://example.com:22/cv.pdf").message == "The URL's port is not allowed"


def test_a_public_name_resolving_to_a_private_address_is_refused_without_leaking_it() -> None:
    fetcher = SafeFetcher(resolver=FakeResolver({"intranet.example.com": ["10.0.0.1"]}))
    error = refusal(fetcher, "http://intranet.example.com/cv.pdf")
    assert error.message == "URL points to a non-public address"
    assert "10.0.0.1" not in str(error)


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    fetcher = SafeFetcher(resolver=FakeResolver({"mixed.example.com": [PUBLIC, "::1"]}))
    assert refusal(fetcher, "http://mixed.example.com/").message == "URL points to a non-public address"


def test_an_unresolvable_name_fails_cleanly() -> None:
    error = refusal(SafeFetcher(resolver=FakeResolver({})), "http://nowhere.example.com/")
    assert isinstance(error, FetchFailed)


def test_a_real_local_server_is_refused_by_the_default_policy(server: TestServer) -> None:
    server.serve("/cv.pdf", PDF)
    fetcher = SafeFetcher(policy=AddressPolicy(extra_ports=frozenset({server.port})))
    assert refusal(fetcher, f"{server.origin}/cv.pdf").message == "URL points to a non-public address"
    assert server.hits == []


def test_a_trusted_endpoint_is_fetched_through_the_pinned_address_with_the_original_host(
    server: TestServer,
) -> None:
    server.serve("/cv.pdf", PDF, headers={"Set-Cookie": "session=abc"})
    fetched = fetch(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf")
    assert fetched.body == PDF
    assert fetched.content_type == "application/pdf"
    [hit] = server.hits
    assert hit.headers["host"] == f"resume.example.com:{server.port}"
    assert hit.headers["user-agent"].startswith("ScribeFetcher/")
    assert "cookie" not in hit.headers and "authorization" not in hit.headers


def test_an_ipv6_endpoint_is_reached_with_a_bracketed_host_header() -> None:
    with running("::1") as server:
        server.serve("/cv.pdf", PDF)
        trusted = frozenset({(ipaddress.IPv6Address("::1"), server.port)})
        fetcher = SafeFetcher(policy=AddressPolicy(extra_ports=frozenset({server.port}), trusted=trusted))
        assert fetch(fetcher, f"{server.origin}/cv.pdf").body == PDF
        assert server.hits[0].headers["host"] == f"[::1]:{server.port}"


def test_https_sends_the_original_host_name_as_sni_while_connecting_to_the_checked_address() -> None:
    recorder = SniRecorder("resume.example.com")
    try:
        fetcher = SafeFetcher(
            resolver=FakeResolver({"resume.example.com": ["127.0.0.1"]}),
            policy=AddressPolicy(
                extra_ports=frozenset({recorder.port}), trusted=frozenset({(LOCAL, recorder.port)})
            ),
        )
        error = refusal(fetcher, f"https://resume.example.com:{recorder.port}/cv.pdf")
    finally:
        recorder.close()
    assert recorder.names == ["resume.example.com"]
    assert isinstance(error, FetchFailed)  # the self-signed certificate is verified and refused


def configured(*origins: str, table: dict[str, Sequence[str]] | None = None) -> SafeFetcher:
    """A fetcher trusting exactly these origins, as the resume fetcher trusts SUPABASE_URL's storage."""
    policy = AddressPolicy(trusted_origins=frozenset(Origin.of(origin) for origin in origins))
    return SafeFetcher(resolver=FakeResolver(table or {}), policy=policy)


def test_a_configured_origin_is_fetched_on_its_own_port_and_private_address(server: TestServer) -> None:
    server.serve("/storage/v1/cv.pdf", PDF)
    assert fetch(configured(server.origin), f"{server.origin}/storage/v1/cv.pdf").body == PDF
    assert server.hits[0].headers["host"] == f"127.0.0.1:{server.port}"


def test_a_configured_host_name_may_resolve_privately_and_is_pinned(server: TestServer) -> None:
    server.serve("/cv.pdf", PDF)
    origin = f"http://supabase.lan:{server.port}"
    fetcher = configured(origin, table={"supabase.lan": ["127.0.0.1"], "other.lan": ["127.0.0.1"]})
    assert fetch(fetcher, f"{origin}/cv.pdf").body == PDF
    # Another name for the same address and port is not the configured origin.
    error = refusal(fetcher, f"http://other.lan:{server.port}/cv.pdf")
    assert error.message == "The URL's port is not allowed"
    assert len(server.hits) == 1


@pytest.mark.parametrize(
    "spelling",
    [
        "http://127.0.0.1:{other}/cv.pdf",  # another port on the same host
        "https://127.0.0.1:{port}/cv.pdf",  # another scheme
        "http://localhost:{port}/cv.pdf",  # another host name for the same address
        "http://2130706433:{port}/cv.pdf",  # another spelling of the same address
        "http://[::ffff:127.0.0.1]:{port}/cv.pdf",
    ],
)
def test_trust_is_for_the_exact_origin_only(server: TestServer, spelling: str) -> None:
    with running() as other:
        other.serve("/cv.pdf", PDF)
        server.serve("/cv.pdf", PDF)
        url = spelling.format(port=server.port, other=other.port)
        assert isinstance(refusal(configured(server.origin), url), FetchRefused)
        assert server.hits == [] and other.hits == []


def test_a_redirect_out_of_a_configured_origin_is_checked_as_public(server: TestServer) -> None:
    with running() as other:
        other.serve("/cv.pdf", PDF)
        server.redirect("/to-port", f"{other.origin}/cv.pdf")
        server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
        server.redirect("/to-name", "http://intranet.example.com/cv.pdf")
        server.redirect("/same-origin", "/cv.pdf")
        server.serve("/cv.pdf", PDF)
        fetcher = configured(server.origin, table={"intranet.example.com": ["10.0.0.1"]})
        assert refusal(fetcher, f"{server.origin}/to-port").message == "The URL's port is not allowed"
        assert (
            refusal(fetcher, f"{server.origin}/to-metadata").message == "URL points to a non-public address"
        )
        assert refusal(fetcher, f"{server.origin}/to-name").message == "URL points to a non-public address"
        assert other.hits == []
        assert fetch(fetcher, f"{server.origin}/same-origin").body == PDF


def test_a_redirect_to_a_private_address_is_refused_and_never_reached(server: TestServer) -> None:
    with running() as private_server:
        private_server.serve("/secret", b"internal")
        server.redirect("/cv.pdf", f"{private_server.origin}/secret")
        error = refusal(trusting(server, private_server), f"http://resume.example.com:{server.port}/cv.pdf")
        assert error.message == "URL points to a non-public address"
        assert private_server.hits == []


def test_a_redirect_to_a_name_resolving_privately_is_refused(server: TestServer) -> None:
    server.redirect("/cv.pdf", "http://metadata.example.com/latest/meta-data/")
    fetcher = trusting(server, table={"metadata.example.com": ["169.254.169.254"]})
    error = refusal(fetcher, f"http://resume.example.com:{server.port}/cv.pdf")
    assert error.message == "URL points to a non-public address"


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://example.com/x", "http://[::ffff:10.0.0.1]/"]
)
def test_a_redirect_is_checked_like_the_first_url(server: TestServer, location: str) -> None:
    server.redirect("/cv.pdf", location)
    assert isinstance(
        refusal(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf"), FetchRefused
    )


def test_five_redirects_are_followed_without_forwarding_cookies(server: TestServer) -> None:
    for hop in range(5):
        server.redirect(f"/r{hop}", f"/r{hop + 1}", headers={"Set-Cookie": f"hop{hop}=1"})
    server.serve("/r5", PDF)
    assert fetch(trusting(server), f"http://resume.example.com:{server.port}/r0").body == PDF
    assert len(server.hits) == 6
    assert all("cookie" not in hit.headers for hit in server.hits)


def test_a_sixth_redirect_is_refused(server: TestServer) -> None:
    for hop in range(6):
        server.redirect(f"/r{hop}", f"/r{hop + 1}")
    server.serve("/r6", PDF)
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/r0")
    assert error.message == "Too many redirects (more than 5)"
    assert "/r6" not in [hit.path for hit in server.hits]


def test_a_body_of_another_type_is_refused(server: TestServer) -> None:
    server.serve("/cv.pdf", b"<html>hi</html>", content_type="text/html")
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf")
    assert error.message == "The server did not send an accepted file type (application/pdf)"


def test_an_error_status_fails(server: TestServer) -> None:
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/missing.pdf")
    assert isinstance(error, FetchFailed)
    assert error.message == "The server answered with status 404"


def test_a_50_mb_body_is_stopped_at_the_cap_not_downloaded_whole(server: TestServer) -> None:
    record = Stream()
    server.stream("/big.pdf", flood(50 * MB, record))
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/big.pdf", max_bytes=MB)
    assert error.message == "The file is larger than 1 MB"
    assert record.done.wait(5)
    assert record.sent < 10 * MB


def test_a_declared_length_over_the_cap_is_refused_before_reading(server: TestServer) -> None:
    server.serve("/cv.pdf", b"%" * (2 * MB))
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf", max_bytes=MB)
    assert error.message == "The file is larger than 1 MB"


def test_a_gzip_bomb_is_stopped_by_counting_decoded_bytes(server: TestServer) -> None:
    bomb = gzip_bomb(64)
    assert len(bomb) < MB
    server.serve("/cv.pdf", bomb, headers={"Content-Encoding": "gzip"})
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf", max_bytes=MB)
    assert error.message == "The file is larger than 1 MB"


def test_a_small_gzip_body_is_decoded(server: TestServer) -> None:
    server.serve("/cv.pdf", gzipped(PDF), headers={"Content-Encoding": "gzip"})
    assert fetch(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf").body == PDF


def test_an_unsupported_encoding_is_refused(server: TestServer) -> None:
    server.serve("/cv.pdf", b"....", headers={"Content-Encoding": "br"})
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/cv.pdf")
    assert error.message == "The server used an unsupported content encoding"


def test_a_slow_loris_body_is_cut_off_at_the_wall_clock_deadline(server: TestServer) -> None:
    record = Stream()
    server.stream("/slow.pdf", trickle(record, every=0.05))
    started = time.monotonic()
    error = refusal(trusting(server), f"http://resume.example.com:{server.port}/slow.pdf", timeout=1.0)
    assert time.monotonic() - started < 2.0
    assert error.message == "The server took too long to send the file"
    assert record.sent > 5  # bytes kept arriving: per-read timeouts alone would never fire
