"""Text that is not valid Unicode (a lone UTF-16 surrogate such as "\\ud800" in a JSON string) is a
user's mistake: a JSON 422 that echoes nothing back, writes nothing and logs nothing of the input."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.api import Caller
from tests.security.live import api_in_thread, row_counts

MARK = "Zq7marker"
TEMPLATE = "Dear {{name}}, I read your work on {{research}} with great interest."
# Raw JSON text: json.dumps would refuse to write these strings, a client's encoder may not.
CASES = {
    "/api/user/init": f'{{"display_name": "{MARK}\\ud800"}}',
    "/api/email/generate": (
        f'{{"email_template": "{TEMPLATE}", "recipient_name": "Ada {MARK}\\udfff",'
        ' "recipient_interest": "graph theory"}'
    ),
    "/api/queue/batch": (
        f'{{"email_template": "{TEMPLATE}", "items": [{{"recipient_name": "Ada Quill",'
        f' "recipient_interest": "graphs {MARK}\\ud83d"}}]}}'
    ),
    # Invalid somewhere else too: the error for the other field must not carry the surrogate either.
    "/api/templates/": f'{{"pdf_url": 7, "user_instructions": "{MARK}\\udc00 short"}}',
    # An unknown field's name is the client's text as well, and is named in the error's location.
    "/api/user/template": f'{{"template": "Dear {{{{name}}}}", "{MARK}\\ud800": 1}}',
}
METHODS = {"/api/user/template": "PATCH"}


@pytest.fixture(scope="module")
def live_api() -> Iterator[str]:
    with api_in_thread() as base:
        yield base


@pytest.mark.parametrize("path", sorted(CASES))
def test_a_lone_surrogate_is_a_json_422_that_echoes_and_logs_nothing(
    live_api: str, caller: Caller, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = row_counts()
    headers = {**caller.headers, "Content-Type": "application/json"}
    with caplog.at_level(logging.DEBUG):
        response = httpx.request(
            METHODS.get(path, "POST"), f"{live_api}{path}", content=CASES[path], headers=headers, timeout=10
        )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert MARK not in response.text
    assert response.json()["detail"]
    assert MARK not in caplog.text
    assert row_counts() == before
