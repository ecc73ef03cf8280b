"""redis.conf, cloudflared.yml and scribe.env.example say what production needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from config.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# originRequest keys cloudflared documents; anything else is silently ignored by it.
ORIGIN_REQUEST_KEYS = {
    "connectTimeout", "tlsTimeout", "tcpKeepAlive", "noHappyEyeballs", "keepAliveConnections",
    "keepAliveTimeout", "httpHostHeader", "originServerName", "matchSNItoHost", "caPool", "noTLSVerify",
    "disableChunkedEncoding", "bastionMode", "proxyAddress", "proxyPort", "proxyType", "ipRules",
    "http2Origin", "access",
}  # fmt: skip
DEPLOY_ONLY_VARIABLES = {"FLOWER_BASIC_AUTH"}


def _redis_directives() -> dict[str, str]:
    directives = {}
    for line in (DEPLOY / "redis.conf").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            directives[key] = value.strip()
    return directives


def test_redis_persists_every_second_and_never_evicts() -> None:
    directives = _redis_directives()
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] == "everysec"
    assert directives["maxmemory-policy"] == "noeviction"
    assert directives["maxmemory"] == "64mb"
    assert directives["bind"].split()[0] == "127.0.0.1"
    assert directives["protected-mode"] == "yes"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_redis_server_accepts_the_config(tmp_path: Path) -> None:
    socket = tmp_path / "redis.sock"
    command = ["redis-server", str(DEPLOY / "redis.conf"), "--port", "0", "--unixsocket", str(socket)]
    server = subprocess.Popen([*command, "--dir", str(tmp_path), "--logfile", str(tmp_path / "redis.log")])
    client = redis.Redis(unix_socket_path=str(socket))
    try:
        deadline = time.monotonic() + 10
        while not socket.exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert socket.exists(), (tmp_path / "redis.log").read_text()
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        assert client.config_get("appendonly") == {"appendonly": "yes"}
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def _cloudflared() -> dict[str, Any]:
    text = (DEPLOY / "cloudflared.yml").read_text()
    try:
        import yaml
    except ImportError:  # PyYAML is only a transitive dependency: fall back to reading the rules
        rules = re.findall(r"^  - (?:hostname: (\S+)\n    )?service: (\S+)", text, re.M)
        return {"ingress": [{"hostname": h, "service": s} if h else {"service": s} for h, s in rules]}
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_tunnel_publishes_the_api_and_ends_with_a_catch_all_404() -> None:
    rules = _cloudflared()["ingress"]
    assert rules[-1] == {"service": "http_status:404"}
    assert [rule["service"] for rule in rules[:-1]] == ["http://127.0.0.1:8000"]
    assert all("hostname" in rule for rule in rules[:-1])


def test_flower_is_not_published() -> None:
    for rule in _cloudflared()["ingress"]:
        assert "5555" not in rule["service"]
        assert "flower" not in rule.get("hostname", "")


def test_origin_request_uses_only_keys_cloudflared_knows() -> None:
    config = _cloudflared()
    sections = [config.get("originRequest", {})] + [r.get("originRequest", {}) for r in config["ingress"]]
    assert {key for section in sections for key in section} <= ORIGIN_REQUEST_KEYS


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "scribe.env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def test_env_example_names_every_production_variable() -> None:
    names = set(_env_example())
    required = {
        "ENVIRONMENT", "DATABASE_URL", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME",
        "REDIS_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET", "ANTHROPIC_API_KEY", "EXA_API_KEY",
        "ADMIN_EMAILS", "ALLOWED_ORIGINS", "LOGFIRE_TOKEN", "WORKER_CONCURRENCY", "FLOWER_BASIC_AUTH",
    }  # fmt: skip
    assert required <= names
    unknown = {n for n in names if n.lower() not in Settings.model_fields} - DEPLOY_ONLY_VARIABLES
    assert unknown == set()


def test_env_example_passes_production_validation() -> None:
    active = {k.lower(): v for k, v in _env_example().items() if k not in DEPLOY_ONLY_VARIABLES}
    commented = {
        line.split("=", 1)[0].lstrip("#").lower()
        for line in (DEPLOY / "scribe.env.example").read_text().splitlines()
        if line.startswith("#") and "=" in line
    }
    # Given values win over the test run's environment, so the file's values meet production's checks.
    settings = Settings.model_validate({k: v for k, v in active.items() if k not in commented})
    assert settings.environment == "production"
    assert settings.uses_transaction_pooler
