"""/api/templates: a resume PDF becomes a template; each bad input is a clear 4xx that writes nothing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic_ai import Agent
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from config.settings import get_settings
from main import app
from services import llm, templates
from tests.fetch.pdfs import RESUME_LINES, image_only_pdf, text_pdf
from tests.fetch.servers import Stream, TestServer, flood, gzip_bomb, running, trickle
from tests.fetch.storage import PREFIX, Storage, resume_storage
from tests.fixtures.api import Caller

PDF = text_pdf(RESUME_LINES)
INSTRUCTIONS = "Keep it short and mention my machine learning research."
MB = 1024 * 1024


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    with resume_storage(app, monkeypatch) as resume_store:
        yield resume_store


def post(client: TestClient, caller: Caller, pdf_url: str) -> Any:  # the TestClient's response type
    body = {"pdf_url": pdf_url, "user_instructions": INSTRUCTIONS}
    return client.post("/api/templates/", json=body, headers=caller.headers)


def assert_nothing_written(client: TestClient, caller: Caller) -> None:
    assert client.get("/api/templates/", headers=caller.headers).json() == []
    assert client.get("/api/user/profile", headers=caller.headers).json()["template_count"] == 0


@pytest.mark.usefixtures("emulator")
def test_a_resume_pdf_becomes_a_template_with_placeholders(
    client: TestClient, caller: Caller, storage: Storage
) -> None:
    storage.server.serve(f"{PREFIX}/cv.pdf", PDF)
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 201, response.text
    template = response.json()
    assert set(template) == {"id", "user_id", "pdf_url", "template_text", "user_instructions", "created_at"}
    assert template["user_id"] == str(caller.id)
    assert template["pdf_url"] == f"{storage.base}/cv.pdf"
    assert template["user_instructions"] == INSTRUCTIONS
    assert "{{name}}" in template["template_text"] and "Jane Doe" in template["template_text"]
    assert template["created_at"].endswith("Z")
    assert client.get(f"/api/templates/{template['id']}", headers=caller.headers).json() == template
    assert client.get("/api/templates/", headers=caller.headers).json() == [template]
    assert client.get("/api/user/profile", headers=caller.headers).json()["template_count"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/storage/v1/cv.pdf",
        "http://10.0.0.1/storage/v1/cv.pdf",
        "http://169.254.169.254/storage/v1/cv.pdf",
        "http://[::ffff:127.0.0.1]/storage/v1/cv.pdf",
        "http://2130706433/storage/v1/cv.pdf",
        "http://intranet.example.com/storage/v1/cv.pdf",
    ],
)
def test_a_private_address_is_refused_even_under_an_allowed_origin(
    client: TestClient, caller: Caller, storage: Storage, url: str
) -> None:
    storage.allow(url.removesuffix("cv.pdf"))
    response = post(client, caller, url)
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: URL points to a non-public address"
    assert_nothing_written(client, caller)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://resume.example.com/storage/v1/cv.pdf",
        "https://evil.example.com/storage/v1/cv.pdf",
        "http://127.0.0.1/storage/v1/cv.pdf",
        "http://169.254.169.254/latest/meta-data/",
        "not a url at all",
    ],
)
def test_a_url_outside_the_allowed_origins_is_refused(
    client: TestClient, caller: Caller, storage: Storage, url: str
) -> None:
    response = post(client, caller, url)
    assert response.status_code == 400
    assert "pdf_url" in response.json()["detail"]
    assert_nothing_written(client, caller)


def test_a_path_climbing_out_of_the_storage_prefix_is_refused(
    client: TestClient, caller: Caller, storage: Storage
) -> None:
    for path in ("/storage/v1/../../admin/cv.pdf", "/storage/v1/%2e%2e/%2e%2e/admin/cv.pdf"):
        response = post(client, caller, f"http://resume.example.com:{storage.server.port}{path}")
        assert response.status_code == 400, path
    assert storage.server.hits == []
    assert_nothing_written(client, caller)


def test_a_redirect_to_a_private_server_is_refused_and_never_reaches_it(
    client: TestClient, caller: Caller, storage: Storage
) -> None:
    storage.private.serve("/secret.pdf", PDF)
    storage.server.redirect(f"{PREFIX}/cv.pdf", f"{storage.private.origin}/secret.pdf")
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: URL points to a non-public address"
    assert storage.private.hits == []
    assert_nothing_written(client, caller)


def test_more_than_five_redirects_are_refused(client: TestClient, caller: Caller, storage: Storage) -> None:
    for hop in range(7):
        storage.server.redirect(f"{PREFIX}/r{hop}", f"{PREFIX}/r{hop + 1}")
    response = post(client, caller, f"{storage.base}/r0")
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: Too many redirects (more than 5)"
    assert_nothing_written(client, caller)


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (b"<html>a resume</html>", "text/html", "did not send an accepted file type"),
        (b"just some text, not a PDF at all", "application/pdf", "The file is not a PDF"),
        (image_only_pdf(), "application/pdf", "No text could be read from the PDF"),
        (b"%PDF-1.4\n garbage that is no PDF structure", "application/pdf", "The PDF could not be read"),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_is_refused(
    client: TestClient, caller: Caller, storage: Storage, body: bytes, content_type: str, detail: str
) -> None:
    storage.server.serve(f"{PREFIX}/cv.pdf", body, content_type=content_type)
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert_nothing_written(client, caller)


def test_a_50_mb_resume_is_stopped_at_the_cap(client: TestClient, caller: Caller, storage: Storage) -> None:
    record = Stream()
    storage.server.stream(f"{PREFIX}/cv.pdf", flood(50 * MB, record))
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: The file is larger than 10 MB"
    assert record.done.wait(5)
    assert record.sent < 20 * MB
    assert_nothing_written(client, caller)


def test_a_gzip_bomb_is_refused(client: TestClient, caller: Caller, storage: Storage) -> None:
    storage.server.serve(f"{PREFIX}/cv.pdf", gzip_bomb(64), headers={"Content-Encoding": "gzip"})
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: The file is larger than 10 MB"
    assert_nothing_written(client, caller)


def test_a_slow_loris_server_is_cut_off_at_the_time_cap(
    client: TestClient, caller: Caller, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "resume_fetch_timeout_seconds", 1.0)
    storage.server.stream(f"{PREFIX}/cv.pdf", trickle(Stream(), every=0.05))
    started = time.monotonic()
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert time.monotonic() - started < 3.0
    assert response.status_code == 400
    assert response.json()["detail"] == "Could not use the resume: The server took too long to send the file"
    assert_nothing_written(client, caller)


@pytest.mark.usefixtures("emulator")
def test_the_limit_holds_under_concurrent_requests(
    client: TestClient, caller: Caller, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "template_generation_limit", 2)
    started = threading.Barrier(5)

    def slow_pdf(wfile: object, _stopping: threading.Event) -> None:
        time.sleep(0.3)  # keep the first requests busy while the others arrive
        wfile.write(PDF)  # type: ignore[attr-defined]

    storage.server.stream(f"{PREFIX}/cv.pdf", slow_pdf)

    def attempt(_: int) -> tuple[int, str | None]:
        started.wait()
        response = post(client, caller, f"{storage.base}/cv.pdf")
        return response.status_code, response.headers.get("retry-after")

    with ThreadPoolExecutor(5) as pool:
        outcomes = list(pool.map(attempt, range(5)))
    assert sorted(status for status, _ in outcomes) == [201, 201, 429, 429, 429]
    assert all(retry_after and int(retry_after) > 0 for status, retry_after in outcomes if status == 429)
    assert len(client.get("/api/templates/", headers=caller.headers).json()) == 2
    assert client.get("/api/user/profile", headers=caller.headers).json()["template_count"] == 2
    assert len(storage.server.hits) == 2


def _placeholder_free(calls: list[int]) -> Callable[[list[ModelMessage], AgentInfo], ModelResponse]:
    def answer(_messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        text = "Hello professor, see https://invented.example.org for my work."
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"template_text": text})])

    return answer


def test_a_template_failing_the_checks_is_retried_once_then_refused(
    client: TestClient, caller: Caller, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    agent = Agent(FunctionModel(_placeholder_free(calls)), output_type=templates.GeneratedTemplate)
    # The template service imports the agent factory when it first writes a template.
    monkeypatch.setattr(llm, "build_agent", lambda *_args, **_kwargs: agent)
    storage.server.serve(f"{PREFIX}/cv.pdf", PDF)
    response = post(client, caller, f"{storage.base}/cv.pdf")
    assert response.status_code == 502
    assert response.json() == {
        "detail": "Template generation failed; please try again",
        "message": "Template generation failed; please try again.",
    }
    assert len(calls) == 2
    assert_nothing_written(client, caller)


def test_invented_links_and_addresses_and_missing_placeholders_are_problems() -> None:
    resume = "Jane Doe\njane.doe@uni.test\nhttps://janedoe.dev"
    assert (
        templates.template_problems("Dear {{name}}, see https://janedoe.dev. jane.doe@uni.test", resume) == []
    )
    problems = templates.template_problems("Dear Sir, write to jane@evil.test or www.evil.test", resume)
    assert len(problems) == 3


def test_the_configured_storage_origin_is_trusted_as_configured(
    client: TestClient, caller: Caller, monkeypatch: pytest.MonkeyPatch, emulator: object
) -> None:
    with running() as server:
        server.serve(f"{PREFIX}/cv.pdf", PDF)
        monkeypatch.setattr(get_settings(), "resume_allowed_origins", [f"{server.origin}/storage/v1/"])
        assert post(client, caller, f"{server.origin}{PREFIX}/cv.pdf").status_code == 201


@pytest.fixture
def local_supabase(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestServer]:
    """`supabase start`'s storage (http://127.0.0.1:54321): SUPABASE_URL, loopback, its own port."""
    with running() as supabase:
        monkeypatch.setattr(get_settings(), "supabase_url", supabase.origin)
        monkeypatch.setattr(get_settings(), "resume_allowed_origins", [])
        yield supabase


@pytest.mark.usefixtures("emulator")
def test_a_local_supabase_storage_is_trusted_as_configured(
    client: TestClient, caller: Caller, local_supabase: TestServer
) -> None:
    local_supabase.serve(f"{PREFIX}/cv.pdf", PDF)
    url = f"{local_supabase.origin}{PREFIX}/cv.pdf"
    response = post(client, caller, url)
    assert response.status_code == 201, response.text
    assert response.json()["pdf_url"] == url
    assert [hit.headers["host"] for hit in local_supabase.hits] == [f"127.0.0.1:{local_supabase.port}"]


def test_a_redirect_out_of_the_local_supabase_is_checked_as_public(
    client: TestClient, caller: Caller, local_supabase: TestServer
) -> None:
    with running() as elsewhere:
        elsewhere.serve("/cv.pdf", PDF)
        local_supabase.redirect(f"{PREFIX}/cv.pdf", f"{elsewhere.origin}/cv.pdf")
        response = post(client, caller, f"{local_supabase.origin}{PREFIX}/cv.pdf")
        assert response.status_code == 400
        assert response.json()["detail"] == "Could not use the resume: The URL's port is not allowed"
        assert len(local_supabase.hits) == 1 and elsewhere.hits == []
    assert_nothing_written(client, caller)


@pytest.mark.usefixtures("emulator")
def test_a_configured_host_name_is_trusted_but_no_other_name_for_it(
    client: TestClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running() as server:
        server.serve(f"{PREFIX}/cv.pdf", PDF)
        server.redirect(f"{PREFIX}/moved.pdf", f"http://127.0.0.1:{server.port}{PREFIX}/cv.pdf")
        origin = f"http://localhost:{server.port}"
        monkeypatch.setattr(get_settings(), "resume_allowed_origins", [f"{origin}/storage/v1/"])
        assert post(client, caller, f"{origin}{PREFIX}/cv.pdf").status_code == 201
        # The same server under the address the name resolves to is not the configured origin.
        response = post(client, caller, f"{origin}{PREFIX}/moved.pdf")
        assert response.status_code == 400
        assert response.json()["detail"] == "Could not use the resume: The URL's port is not allowed"
        assert [hit.path for hit in server.hits] == [f"{PREFIX}/cv.pdf", f"{PREFIX}/moved.pdf"]


def test_another_users_template_is_not_found(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller], storage: Storage, emulator: object
) -> None:
    storage.server.serve(f"{PREFIX}/cv.pdf", PDF)
    template_id = post(client, caller, f"{storage.base}/cv.pdf").json()["id"]
    stranger = new_caller()
    assert client.get(f"/api/templates/{template_id}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/templates/{uuid.uuid4()}", headers=caller.headers).status_code == 404
    assert client.get("/api/templates/", headers=stranger.headers).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"pdf_url": "https://x.test/cv.pdf", "user_instructions": "too short"},
        {"pdf_url": "https://x.test/cv.pdf", "user_instructions": "x" * 2001},
        {"user_instructions": INSTRUCTIONS},
        {"pdf_url": "https://x.test/cv.pdf", "user_instructions": INSTRUCTIONS, "user_id": "someone"},
    ],
)
def test_an_invalid_body_is_a_422(client: TestClient, caller: Caller, body: dict[str, str]) -> None:
    assert client.post("/api/templates/", json=body, headers=caller.headers).status_code == 422
    assert_nothing_written(client, caller)


def test_templates_need_an_initialised_user(client: TestClient, new_caller: Callable[..., Caller]) -> None:
    stranger = new_caller(init=False)
    assert client.get("/api/templates/", headers=stranger.headers).status_code == 403


@pytest.mark.usefixtures("emulator")
def test_templates_being_written_are_capped_per_user_and_per_process(
    client: TestClient, new_caller: Callable[..., Caller], storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "template_generations_per_user", 1)
    monkeypatch.setattr(get_settings(), "template_generations_in_flight", 2)
    release = threading.Event()

    def held_pdf(wfile: object, stopping: threading.Event) -> None:
        release.wait(30)
        wfile.write(PDF)  # type: ignore[attr-defined]

    storage.server.stream(f"{PREFIX}/cv.pdf", held_pdf)
    alice, bob, carol = new_caller(), new_caller(), new_caller()
    url = f"{storage.base}/cv.pdf"

    def downloads_started(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(storage.server.hits) < count:
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, client, alice, url)
        downloads_started(1)
        again = post(client, alice, url)  # her first is still being written
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) > 0
        second = pool.submit(post, client, bob, url)
        downloads_started(2)
        busy = post(client, carol, url)  # two templates are being written in the process
        assert busy.status_code == 503
        assert int(busy.headers["Retry-After"]) > 0
        release.set()
        assert first.result().status_code == 201
        assert second.result().status_code == 201
    assert len(storage.server.hits) == 2  # the refused requests downloaded nothing
    assert_nothing_written(client, carol)
    assert post(client, carol, url).status_code == 201  # the slots are free again
