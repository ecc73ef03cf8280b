"""Access-token verification against a real JWKS endpoint and the legacy HS256 secret (SPEC §8)."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from config.settings import DEV_JWT_SECRET, LOCAL_JWT_ISSUER, Settings, get_settings
from services.auth import (
    RECHECK_SECONDS,
    AuthError,
    AuthUnavailable,
    DevTokenRefused,
    TokenVerifier,
    get_token_verifier,
    mint_dev_token,
)
from tests.fixtures.auth import (
    JWKS_SECRET,
    JwksServer,
    SigningKey,
    TokenFactory,
    b64url,
    hs256_with_raw_key,
    new_ec_key,
    supabase_claims,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def verifier(jwks_settings: Settings) -> TokenVerifier:
    return TokenVerifier(jwks_settings)


@pytest.fixture
def fresh_verifier_cache() -> Iterator[None]:
    get_settings.cache_clear()
    get_token_verifier.cache_clear()
    yield
    get_settings.cache_clear()
    get_token_verifier.cache_clear()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rejects(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    return caught.value.reason


# Accepted tokens


def test_es256_token_from_the_jwks_is_accepted(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    claims = supabase_claims(jwks_settings)
    verified = verifier.verify(ec_key.sign(claims))
    assert verified.user_id == uuid.UUID(claims["sub"])
    assert verified.email == "student@uni.test"
    assert verified.role == "authenticated"
    assert verified.session_id == claims["session_id"]
    assert verified.is_anonymous is False
    assert int(verified.expires_at.timestamp()) == claims["exp"]


def test_rs256_token_from_the_jwks_is_accepted(
    verifier: TokenVerifier, jwks_settings: Settings, rsa_key: SigningKey
) -> None:
    claims = supabase_claims(jwks_settings)
    assert verifier.verify(rsa_key.sign(claims)).user_id == uuid.UUID(claims["sub"])


def test_hs256_token_signed_with_the_project_secret_is_accepted(
    verifier: TokenVerifier, jwks_settings: Settings
) -> None:
    claims = supabase_claims(jwks_settings)
    token = jwt.encode(claims, JWKS_SECRET, algorithm="HS256")
    assert verifier.verify(token).user_id == uuid.UUID(claims["sub"])


def test_expiry_within_the_leeway_is_accepted(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    now = int(time.time())
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings, iat=now - 600, exp=now - 5)))


def test_empty_email_claim_becomes_none(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    assert verifier.verify(ec_key.sign(supabase_claims(jwks_settings, email=""))).email is None


# Algorithm attacks


def test_alg_none_is_refused(verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey) -> None:
    token = jwt.encode(supabase_claims(jwks_settings), "", algorithm="none", headers={"kid": ec_key.kid})
    assert _rejects(verifier, token) == "token algorithm not accepted"


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key"])
def test_hs256_signed_with_a_jwks_public_key_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, key_name: str, request: pytest.FixtureRequest
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    token = hs256_with_raw_key(supabase_claims(jwks_settings), key.public_pem, kid=key.kid)
    assert _rejects(verifier, token) == "token signature invalid"


def test_hs256_is_refused_when_no_secret_is_configured(jwks_server: JwksServer, ec_key: SigningKey) -> None:
    settings = Settings(_env_file=None, environment="test", supabase_url=jwks_server.url)
    assert settings.supabase_jwt_secret is None
    token = hs256_with_raw_key(supabase_claims(settings), ec_key.public_pem, kid=ec_key.kid)
    assert _rejects(TokenVerifier(settings), token) == "token algorithm not accepted"
    assert jwks_server.requests == 0


def test_rs256_header_on_an_ec_key_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, rsa_key: SigningKey
) -> None:
    # Signed with the RSA key but naming the EC key's kid: the key type pins the algorithm.
    token = rsa_key.sign(supabase_claims(jwks_settings), kid=ec_key.kid)
    assert _rejects(verifier, token) == "token algorithm does not match its key"


@pytest.mark.parametrize("algorithm", ["HS512", "ES384", "PS256", "EdDSA"])
def test_other_algorithms_are_refused(
    verifier: TokenVerifier, jwks_settings: Settings, algorithm: str, ec_key: SigningKey
) -> None:
    token = hs256_with_raw_key(supabase_claims(jwks_settings), b"x" * 32, kid=ec_key.kid)
    _, payload, signature = token.split(".")
    forged = b64url(json.dumps({"alg": algorithm, "kid": ec_key.kid}).encode())
    assert _rejects(verifier, f"{forged}.{payload}.{signature}") == "token algorithm not accepted"


def test_asymmetric_token_without_kid_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    token = jwt.encode(supabase_claims(jwks_settings), ec_key.private_key, algorithm="ES256")
    assert _rejects(verifier, token) == "token key id missing"


def test_tampered_payload_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    header, _, signature = ec_key.sign(supabase_claims(jwks_settings)).split(".")
    other = b64url(json.dumps(supabase_claims(jwks_settings, email="admin@scribe.test")).encode())
    assert _rejects(verifier, f"{header}.{other}.{signature}") == "token signature invalid"


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "x" * 20_000])
def test_garbage_is_refused(verifier: TokenVerifier, garbage: str) -> None:
    assert _rejects(verifier, garbage) in {"token malformed", "token signature invalid", "token invalid"}


# Claims


def test_expired_token_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    now = int(time.time())
    token = ec_key.sign(supabase_claims(jwks_settings, iat=now - 7200, exp=now - 120))
    assert _rejects(verifier, token) == "token expired"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_token_from_the_future_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, claim: str
) -> None:
    token = ec_key.sign(supabase_claims(jwks_settings, **{claim: int(time.time()) + 600}))
    assert _rejects(verifier, token) == "token not yet valid"


def test_wrong_audience_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    reason = _rejects(verifier, ec_key.sign(supabase_claims(jwks_settings, aud="evil-audience")))
    assert reason == "token audience not accepted"
    assert "evil" not in reason


def test_wrong_issuer_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    token = ec_key.sign(supabase_claims(jwks_settings, iss="https://evil.supabase.co/auth/v1"))
    assert _rejects(verifier, token) == "token issuer not accepted"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss"])
def test_token_missing_a_required_claim_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, claim: str
) -> None:
    token = ec_key.sign(supabase_claims(jwks_settings, **{claim: None}))
    assert _rejects(verifier, token) == f"token missing claim {claim}"


@pytest.mark.parametrize("sub", ["user-42", "12345", "{" + str(uuid.UUID(int=7)) + "}", ""])
def test_subject_that_is_not_a_uuid_is_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, sub: str
) -> None:
    reason = _rejects(verifier, ec_key.sign(supabase_claims(jwks_settings, sub=sub)))
    assert reason in {"token subject is not a user id", "token invalid"}


@pytest.mark.parametrize("overrides", [{"role": "anon"}, {"is_anonymous": True}, {"role": "service_role"}])
def test_anonymous_sessions_are_refused(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, overrides: dict[str, Any]
) -> None:
    assert _rejects(verifier, ec_key.sign(supabase_claims(jwks_settings, **overrides))) == (
        "anonymous sessions not accepted"
    )


# The JWKS cache


def test_known_kid_is_not_fetched_again(
    verifier: TokenVerifier,
    jwks_settings: Settings,
    jwks_server: JwksServer,
    ec_key: SigningKey,
    rsa_key: SigningKey,
) -> None:
    for _ in range(5):
        verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
        verifier.verify(rsa_key.sign(supabase_claims(jwks_settings)))
    assert jwks_server.requests == 1


def test_unknown_kid_is_refused_after_one_refresh(
    verifier: TokenVerifier, jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    stranger = new_ec_key()
    assert _rejects(verifier, stranger.sign(supabase_claims(jwks_settings))) == "token signing key unknown"
    assert jwks_server.requests == 2


def test_key_published_after_caching_is_found_by_refresh(
    verifier: TokenVerifier, jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    rotated = new_ec_key()
    jwks_server.publish(rotated)
    claims = supabase_claims(jwks_settings)
    assert verifier.verify(rotated.sign(claims)).user_id == uuid.UUID(claims["sub"])
    assert jwks_server.requests == 2


def test_flood_of_unknown_kids_refreshes_at_most_once_per_cooldown(
    jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    clock = FakeClock()
    settings = jwks_settings.model_copy(update={"jwks_refresh_cooldown_seconds": 30.0})
    verifier = TokenVerifier(settings, clock=clock)
    verifier.verify(ec_key.sign(supabase_claims(settings)))
    clock.now += 31
    for _ in range(50):
        _rejects(verifier, new_ec_key(kid=uuid.uuid4().hex).sign(supabase_claims(settings)))
    assert jwks_server.requests == 2


def test_expired_key_set_is_fetched_again_after_its_lifespan(
    jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    clock = FakeClock()
    verifier = TokenVerifier(jwks_settings, clock=clock)
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    clock.now += jwks_settings.jwks_cache_seconds + 1
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    assert jwks_server.requests == 2


def test_expired_key_set_still_serves_known_keys_while_the_jwks_is_down(
    jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    clock = FakeClock()
    verifier = TokenVerifier(jwks_settings, clock=clock)
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    jwks_server.fail = True
    clock.now += jwks_settings.jwks_cache_seconds + 1
    verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    with pytest.raises(AuthUnavailable):
        verifier.verify(new_ec_key().sign(supabase_claims(jwks_settings)))


def test_hanging_jwks_is_unavailable_within_the_timeout(
    verifier: TokenVerifier, jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    jwks_server.hang = True
    started = time.monotonic()
    with pytest.raises(AuthUnavailable):
        verifier.verify(ec_key.sign(supabase_claims(jwks_settings)))
    assert time.monotonic() - started < jwks_settings.jwks_timeout_seconds + 1.0


def test_failing_jwks_is_not_retried_on_every_request(jwks_server: JwksServer, ec_key: SigningKey) -> None:
    jwks_server.fail = True
    settings = Settings(
        _env_file=None, environment="test", supabase_url=jwks_server.url, jwks_refresh_cooldown_seconds=30
    )
    verifier = TokenVerifier(settings)
    for _ in range(5):
        with pytest.raises(AuthUnavailable):
            verifier.verify(ec_key.sign(supabase_claims(settings)))
    assert jwks_server.requests == 1


def test_unreachable_jwks_is_unavailable(ec_key: SigningKey) -> None:
    settings = Settings(_env_file=None, environment="test", supabase_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(AuthUnavailable):
        TokenVerifier(settings).verify(ec_key.sign(supabase_claims(settings)))


def test_concurrent_first_requests_share_one_fetch(
    verifier: TokenVerifier, jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey
) -> None:
    tokens = [ec_key.sign(supabase_claims(jwks_settings)) for _ in range(16)]
    start = threading.Barrier(len(tokens))
    errors: list[BaseException] = []

    def verify(token: str) -> None:
        start.wait()
        try:
            verifier.verify(token)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=verify, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert jwks_server.requests == 1


# Remembered tokens


class CountedDecode:
    """jwt.decode, counted: how many tokens were checked in full."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._decode = jwt.decode
        monkeypatch.setattr(jwt, "decode", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._decode(*args, **kwargs)


class WallClock(FakeClock):
    def __init__(self) -> None:
        self.now = time.time()


def test_a_verified_token_is_not_checked_again_on_every_request(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    decode = CountedDecode(monkeypatch)
    token = ec_key.sign(supabase_claims(jwks_settings))
    first = verifier.verify(token)
    assert all(verifier.verify(token, allow_fetch=False) == first for _ in range(10))
    assert decode.calls == 1


def test_a_remembered_token_is_refused_once_it_expires(jwks_settings: Settings, ec_key: SigningKey) -> None:
    wall = WallClock()
    verifier = TokenVerifier(jwks_settings, wall_clock=wall)
    exp = int(wall.now) + 5
    token = ec_key.sign(supabase_claims(jwks_settings, exp=exp))
    verifier.verify(token)
    wall.now = exp + jwks_settings.jwt_leeway_seconds - 0.5
    verifier.verify(token)
    wall.now = exp + jwks_settings.jwt_leeway_seconds
    assert _rejects(verifier, token) == "token expired"


def test_a_remembered_token_is_checked_in_full_again_after_a_minute(
    jwks_settings: Settings, ec_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    wall = WallClock()
    verifier = TokenVerifier(jwks_settings, wall_clock=wall)
    decode = CountedDecode(monkeypatch)
    token = ec_key.sign(supabase_claims(jwks_settings))
    verifier.verify(token)
    wall.now += RECHECK_SECONDS - 1
    verifier.verify(token)
    assert decode.calls == 1
    wall.now += 2
    verifier.verify(token)
    assert decode.calls == 2


def test_a_withdrawn_signing_key_stops_a_remembered_token_within_a_minute(
    jwks_settings: Settings, jwks_server: JwksServer, ec_key: SigningKey, rsa_key: SigningKey
) -> None:
    clock, wall = FakeClock(), WallClock()
    settings = jwks_settings.model_copy(update={"jwks_cache_seconds": 30})
    verifier = TokenVerifier(settings, clock=clock, wall_clock=wall)
    token = ec_key.sign(supabase_claims(settings))
    verifier.verify(token)
    jwks_server.keys = [rsa_key]  # the project rotated the EC key out
    clock.now += RECHECK_SECONDS + 1
    wall.now += RECHECK_SECONDS + 1
    assert _rejects(verifier, token) == "token signing key unknown"


def test_each_remembered_token_answers_only_for_its_own_user(
    verifier: TokenVerifier, jwks_settings: Settings, ec_key: SigningKey
) -> None:
    alice, bob = supabase_claims(jwks_settings), supabase_claims(jwks_settings)
    tokens = {alice["sub"]: ec_key.sign(alice), bob["sub"]: ec_key.sign(bob)}
    for _ in range(3):
        for sub, token in tokens.items():
            assert verifier.verify(token).user_id == uuid.UUID(sub)
    # Bob's claims under Alice's remembered signature: a different text, checked in full.
    header, _, signature = tokens[alice["sub"]].split(".")
    forged = f"{header}.{tokens[bob['sub']].split('.')[1]}.{signature}"
    assert _rejects(verifier, forged) == "token signature invalid"


def test_remembered_tokens_are_bounded(jwks_settings: Settings) -> None:
    verifier = TokenVerifier(jwks_settings, remembered=8)
    tokens = [jwt.encode(supabase_claims(jwks_settings), JWKS_SECRET, algorithm="HS256") for _ in range(20)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) == 8
    assert set(verifier._verified) == set(tokens[-8:])


# Process verifier and dev tokens


def test_process_verifier_accepts_the_test_suites_tokens(
    fresh_verifier_cache: None, make_token: TokenFactory
) -> None:
    sub = str(uuid.uuid4())
    verifier = get_token_verifier()
    assert verifier is get_token_verifier()
    assert verifier.verify(make_token(sub=sub)).user_id == uuid.UUID(sub)


def test_local_tokens_must_carry_the_local_issuer(
    fresh_verifier_cache: None, make_token: TokenFactory
) -> None:
    assert get_settings().jwt_issuer == LOCAL_JWT_ISSUER
    assert _rejects(get_token_verifier(), make_token(iss=None)) == "token missing claim iss"


def test_dev_token_verifies_as_the_requested_user(fresh_verifier_cache: None) -> None:
    sub = uuid.uuid4()
    claims = get_token_verifier().verify(mint_dev_token(sub=sub, email="dev@example.com", ttl=60))
    assert (claims.user_id, claims.email) == (sub, "dev@example.com")
    assert claims.expires_at.timestamp() - time.time() <= 60


def test_dev_token_is_refused_in_production() -> None:
    settings = Settings(
        _env_file=None,
        environment="production",
        scribe_providers="local",
        supabase_url="https://project.supabase.co",
        supabase_jwt_secret="a-real-project-secret-value-0123456789",
    )
    with pytest.raises(DevTokenRefused, match="production"):
        mint_dev_token(settings=settings)


def test_dev_token_needs_a_signing_secret(jwks_server: JwksServer) -> None:
    settings = Settings(_env_file=None, environment="development", supabase_url=jwks_server.url)
    with pytest.raises(DevTokenRefused, match="SUPABASE_JWT_SECRET"):
        mint_dev_token(settings=settings)


def test_dev_secret_tokens_are_refused_by_a_project_verifier(jwks_settings: Settings) -> None:
    settings = Settings(_env_file=None, environment="development", supabase_jwt_secret=DEV_JWT_SECRET)
    assert _rejects(TokenVerifier(jwks_settings), mint_dev_token(settings=settings)) in {
        "token signature invalid",
        "token issuer not accepted",
    }
