from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_user import Z_TIME


def test_health_reports_database_and_broker(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "up"
    assert body["broker"] == "up"
    assert Z_TIME.match(body["timestamp"])
