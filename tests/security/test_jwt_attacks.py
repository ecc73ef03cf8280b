"""Token attacks through the HTTP API of a Supabase-configured app (SPEC §4 401s, §8).

The app runs as a uvicorn subprocess with SUPABASE_URL pointing at a local JWKS server (EC and
RSA keys) and a legacy HS256 secret, on the run's database, so refusals are checked end to end:
status, `WWW-Authenticate`, a short detail that never echoes the token, and no row written.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from config.settings import DEV_JWT_SECRET, Settings
from database.engine import session_scope
from models import User
from tests.fixtures.auth import (
    JWKS_SECRET,
    JwksServer,
    SigningKey,
    b64url,
    hs256_with_raw_key,
    new_ec_key,
    new_rsa_key,
    supabase_claims,
)
from tests.security.live import api_process, row_counts

ADMIN = "admin@scribe.test"
TEMPLATE = "Dear {{name}}, I read your work on {{research}} with great interest."


@dataclass(frozen=True)
class Project:
    """A Supabase project as the subprocess API sees it: its keys, settings and base URL."""

    base: str
    settings: Settings
    ec: SigningKey
    rsa: SigningKey
    stranger: SigningKey  # a well-formed key the project never published


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    ec, rsa = new_ec_key(), new_rsa_key()
    jwks = JwksServer(keys=[ec, rsa])
    jwks.start()
    settings = Settings(
        _env_file=None, environment="test", supabase_url=jwks.url, supabase_jwt_secret=JWKS_SECRET
    )
    log = tmp_path_factory.mktemp("jwt-api") / "api.log"
    try:
        with api_process(log, SUPABASE_URL=jwks.url, SUPABASE_JWT_SECRET=JWKS_SECRET) as base:
            yield Project(base=base, settings=settings, ec=ec, rsa=rsa, stranger=new_ec_key())
    finally:
        jwks.stop()


def _tampered(p: Project) -> str:
    # A real token of one user, its payload swapped for another user who claims to be the admin.
    header, _, signature = p.ec.sign(supabase_claims(p.settings)).split(".")
    forged = b64url(json.dumps(supabase_claims(p.settings, email=ADMIN)).encode())
    return f"{header}.{forged}.{signature}"


def _now() -> int:
    return int(time.time())


# Each attack gives the whole Authorization header value (or None for no header at all).
ATTACKS: dict[str, Callable[[Project], str | None]] = {
    "alg none": lambda p: (
        "Bearer "
        + jwt.encode(
            supabase_claims(p.settings, email=ADMIN), "", algorithm="none", headers={"kid": p.ec.kid}
        )
    ),
    "alg none, no signature segment": lambda p: (
        "Bearer " + ".".join(jwt.encode(supabase_claims(p.settings), "", algorithm="none").split(".")[:2])
    ),
    "HS256 signed with the EC public key": lambda p: (
        "Bearer " + hs256_with_raw_key(supabase_claims(p.settings), p.ec.public_pem, kid=p.ec.kid)
    ),
    "HS256 signed with the RSA public key": lambda p: (
        "Bearer " + hs256_with_raw_key(supabase_claims(p.settings), p.rsa.public_pem, kid=p.rsa.kid)
    ),
    "HS256 signed with the dev secret": lambda p: (
        "Bearer " + jwt.encode(supabase_claims(p.settings, email=ADMIN), DEV_JWT_SECRET, algorithm="HS256")
    ),
    "RS256 header on the EC key's kid": lambda p: (
        "Bearer " + p.rsa.sign(supabase_claims(p.settings), kid=p.ec.kid)
    ),
    "ES256 without kid": lambda p: (
        "Bearer " + jwt.encode(supabase_claims(p.settings), p.ec.private_key, algorithm="ES256")
    ),
    "expired": lambda p: (
        "Bearer " + p.ec.sign(supabase_claims(p.settings, iat=_now() - 7200, exp=_now() - 120))
    ),
    "not yet valid (nbf)": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, nbf=_now() + 600)),
    "issued in the future (iat)": lambda p: (
        "Bearer " + p.ec.sign(supabase_claims(p.settings, iat=_now() + 600))
    ),
    "wrong aud": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, aud="evil-audience")),
    "wrong iss": lambda p: (
        "Bearer " + p.ec.sign(supabase_claims(p.settings, iss="https://evil.supabase.co/auth/v1"))
    ),
    "unknown kid": lambda p: "Bearer " + p.stranger.sign(supabase_claims(p.settings, email=ADMIN)),
    "tampered payload": lambda p: "Bearer " + _tampered(p),
    "missing sub": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, sub=None)),
    "missing exp": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, exp=None)),
    "sub not a uuid": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, sub="user-42")),
    "anonymous role": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, role="anon")),
    "anonymous session": lambda p: "Bearer " + p.ec.sign(supabase_claims(p.settings, is_anonymous=True)),
    "service_role": lambda p: "Bearer " + p.rsa.sign(supabase_claims(p.settings, role="service_role")),
    "garbage": lambda p: "Bearer not-a-jwt",
    "garbage with dots": lambda p: "Bearer a.b.c",
    "five segments": lambda p: "Bearer " + ".".join(["eyJhbGciOiJSU0EtT0FFUCJ9"] * 5),
    "oversized": lambda p: "Bearer " + "x" * 9000,
    "missing header": lambda p: None,
    "empty bearer": lambda p: "Bearer",
    "wrong scheme (Basic)": lambda p: "Basic " + base64.b64encode(b"admin@scribe.test:hunter2").decode(),
    "token without scheme": lambda p: p.ec.sign(supabase_claims(p.settings)),
}

# The public reason each attack must be refused with: the refusal has to come from the right check.
REASONS = {
    "alg none": "token algorithm not accepted",
    "alg none, no signature segment": "token malformed",
    "HS256 signed with the EC public key": "token signature invalid",
    "HS256 signed with the RSA public key": "token signature invalid",
    "HS256 signed with the dev secret": "token signature invalid",
    "RS256 header on the EC key's kid": "token algorithm does not match its key",
    "ES256 without kid": "token key id missing",
    "expired": "token expired",
    "not yet valid (nbf)": "token not yet valid",
    "issued in the future (iat)": "token not yet valid",
    "wrong aud": "token audience not accepted",
    "wrong iss": "token issuer not accepted",
    "unknown kid": "token signing key unknown",
    "tampered payload": "token signature invalid",
    "missing sub": "token missing claim sub",
    "missing exp": "token missing claim exp",
    "sub not a uuid": "token subject is not a user id",
    "anonymous role": "anonymous sessions not accepted",
    "anonymous session": "anonymous sessions not accepted",
    "service_role": "anonymous sessions not accepted",
    "garbage": "token malformed",
    "garbage with dots": "token malformed",
    "five segments": "token malformed",
    "oversized": "token malformed",
    "missing header": "Missing bearer token",
    "empty bearer": "Missing bearer token",
    "wrong scheme (Basic)": "Missing bearer token",
    "token without scheme": "Missing bearer token",
}

ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/user", None),
    ("POST", "/api/user/init", {"display_name": "Mallory"}),
    ("PATCH", "/api/user/template", {"template": "Hi {{name}}"}),
    (
        "POST",
        "/api/email/generate",
        {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"},
    ),
    (
        "POST",
        "/api/queue/batch",
        {
            "items": [{"recipient_name": "Ada Quill", "recipient_interest": "graphs"}],
            "email_template": TEMPLATE,
        },
    ),
    ("GET", "/api/queue/stream", None),
    ("GET", "/api/admin/overview", None),
    ("GET", "/api/admin/users", None),
]


def _subject(authorization: str | None) -> uuid.UUID | None:
    """The `sub` an attack claims, if it carries a readable one."""
    token = (authorization or "").removeprefix("Bearer ").removeprefix("Basic ")
    try:
        return uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_is_401_with_a_bearer_challenge_and_writes_nothing(
    project: Project, attack: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    authorization = ATTACKS[attack](project)
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = row_counts()
    response = httpx.request(method, f"{project.base}{path}", json=body, headers=headers, timeout=15)

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    detail = response.json()["detail"]
    assert detail == REASONS[attack]
    credential = (authorization or "").partition(" ")[2] or (authorization or "")
    for fragment in [credential, *credential.split(".")]:
        if len(fragment) >= 8:
            assert fragment not in response.text
    assert "evil" not in response.text
    assert "hunter2" not in response.text
    assert row_counts() == before
    subject = _subject(authorization)
    if subject is not None:
        with session_scope() as session:
            assert session.get(User, subject) is None


@pytest.mark.parametrize("signer", ["ec", "rsa", "hs256"])
def test_an_honest_token_of_each_kind_is_accepted(project: Project, signer: str) -> None:
    # The control for the table above: the same app accepts the untampered versions.
    claims = supabase_claims(project.settings)
    if signer == "hs256":
        token = jwt.encode(claims, JWKS_SECRET, algorithm="HS256")
    else:
        token = getattr(project, signer).sign(claims)
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{project.base}/api/user/init", json={}, headers=headers, timeout=15)
    assert response.status_code == 201, response.text
    assert response.json()["id"] == claims["sub"]


def test_an_honest_admin_token_reads_the_overview(project: Project) -> None:
    token = project.ec.sign(supabase_claims(project.settings, email=ADMIN))
    response = httpx.get(
        f"{project.base}/api/admin/overview", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert response.status_code == 200, response.text


def test_a_valid_token_of_another_email_is_not_admin(project: Project) -> None:
    token = project.ec.sign(supabase_claims(project.settings, email="student@uni.test"))
    response = httpx.get(
        f"{project.base}/api/admin/overview", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert response.status_code == 403
