"""Supabase access-token verification and local dev tokens (SPEC §8).

HS256 tokens are checked with SUPABASE_JWT_SECRET only; ES256/RS256 tokens only with
the project JWKS key named by their `kid`, of the matching key type. The API maps
`AuthError` to 401 and `AuthUnavailable` to 503.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from config.settings import Settings, get_settings

logger = logging.getLogger(__name__)

REQUIRED_CLAIMS = ("exp", "iat", "sub", "aud", "iss")
# The JWK key type each asymmetric algorithm may be verified with; HS256 never uses a JWKS key.
KEY_TYPE_FOR_ALGORITHM = {"ES256": "EC", "RS256": "RSA"}
MAX_TOKEN_LENGTH = 8192
# Roles that are not a signed-in user: anonymous sessions and the server's own service key.
REFUSED_ROLES = frozenset({"anon", "service_role"})
# Verified tokens remembered per process: every open tab sends the same token every second or two,
# and a signature check (~0.1 ms HS256, more for ES256/RS256) was a tenth of a poll's CPU.
VERIFIED_TOKENS = 2048
# A remembered token is checked in full again after this long, so a signing key the project
# withdraws stops being honoured within a minute, not only when the tokens it signed expire.
RECHECK_SECONDS = 60.0

_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "token audience not accepted"),
    (jwt.InvalidIssuerError, "token issuer not accepted"),
    (jwt.InvalidSignatureError, "token signature invalid"),
)


class AuthError(Exception):
    """The token is not acceptable (401); the message is a short public reason, never token contents."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysNotCached(Exception):
    """Verification needs a JWKS fetch (raised only when the caller asked for no I/O)."""


class AuthUnavailable(Exception):
    """The signing keys could not be fetched, so the token could not be checked (503)."""


class DevTokenRefused(Exception):
    """Dev tokens cannot be minted here (production, or no signing secret)."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    email: str | None
    role: str | None
    is_anonymous: bool
    session_id: str | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Verified:
    claims: TokenClaims
    expires_at: float  # exp + leeway: the last moment jwt.decode would still accept the token
    recheck_at: float


@dataclass(frozen=True, slots=True)
class _KeySnapshot:
    keys: dict[str, PyJWK]
    fetched_at: float


class JwksKeys:
    """The project's public signing keys by `kid`, fetched with a timeout and cached.

    PyJWKClient does the fetching and parsing; the caching is ours because its client
    lock serialises every lookup behind a slow fetch, it retries a failing endpoint on
    every request, and it drops the key set on expiry even when the endpoint is down.
    Here a known, fresh `kid` costs no lock and no I/O; fetches (expiry, unknown `kid`,
    retry after failure) happen at most once per cooldown; an expired set keeps serving
    known keys while the endpoint cannot be reached.
    """

    def __init__(
        self,
        url: str,
        *,
        lifespan: float,
        timeout: float,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self._lifespan = lifespan
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _KeySnapshot | None = None
        self._attempted_at: float | None = None

    def get(self, kid: str, *, allow_fetch: bool = True) -> PyJWK:
        """The key for `kid`; AuthError if the project has no such key, AuthUnavailable if unknowable.

        With `allow_fetch=False` a lookup that would need the network raises `KeysNotCached` instead,
        so async callers can verify cached tokens on the event loop and move only fetches to a thread.
        """
        snapshot = self._snapshot
        if snapshot is not None and kid in snapshot.keys and not self._expired(snapshot):
            return snapshot.keys[kid]
        if not allow_fetch:
            raise KeysNotCached(kid)
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and kid in snapshot.keys and not self._expired(snapshot):
                return snapshot.keys[kid]  # another thread refreshed while we waited
            if self._may_fetch():
                try:
                    snapshot = self._fetch()
                except AuthUnavailable:
                    if snapshot is None or kid not in snapshot.keys:
                        raise
                    logger.warning("JWKS unreachable; using the expired key set for a known kid")
            elif snapshot is None:
                raise AuthUnavailable("signing keys unavailable")
            key = snapshot.keys.get(kid)
        if key is None:
            raise AuthError("token signing key unknown")
        return key

    def _expired(self, snapshot: _KeySnapshot) -> bool:
        return self._clock() - snapshot.fetched_at >= self._lifespan

    def _may_fetch(self) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= self._cooldown

    def _fetch(self) -> _KeySnapshot:
        self._attempted_at = self._clock()
        try:
            jwk_set = self._client.get_jwk_set(refresh=True)
        except (jwt.PyJWTError, ValueError) as exc:
            # Connection errors, timeouts, HTTP errors, non-JSON or key-less bodies: a dependency fault.
            logger.warning("JWKS fetch failed: %s", type(exc).__name__)
            raise AuthUnavailable("signing keys unavailable") from exc
        keys = {key.key_id: key for key in jwk_set.keys if key.key_id and key.public_key_use in ("sig", None)}
        snapshot = _KeySnapshot(keys=keys, fetched_at=self._clock())
        self._snapshot = snapshot
        return snapshot


class TokenVerifier:
    """Verifies Supabase access tokens against one settings object; safe to share between threads.

    A token that passed is remembered (keyed by its exact text, so only that token, byte for byte,
    gets its claims back) until it expires, and checked in full again every `RECHECK_SECONDS`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        remembered: int = VERIFIED_TOKENS,
    ) -> None:
        self._wall_clock = wall_clock
        self._remembered = remembered
        self._verified: dict[str, _Verified] = {}
        self._verified_lock = threading.Lock()
        self._secret = settings.supabase_jwt_secret.encode() if settings.supabase_jwt_secret else None
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer
        self._leeway = settings.jwt_leeway_seconds
        self._jwks = (
            JwksKeys(
                settings.jwks_url,
                lifespan=settings.jwks_cache_seconds,
                timeout=settings.jwks_timeout_seconds,
                cooldown=settings.jwks_refresh_cooldown_seconds,
                clock=clock,
            )
            if settings.jwks_url
            else None
        )

    def verify(self, token: str, *, allow_fetch: bool = True) -> TokenClaims:
        """Check signature, algorithm, lifetime, audience and issuer; return the caller's claims.

        `allow_fetch=False`: never touch the network (raises `KeysNotCached` when a JWKS fetch is needed).
        """
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthError("token malformed")
        now = self._wall_clock()
        known = self._verified.get(token)
        if known is not None:
            if now >= known.expires_at:
                self._verified.pop(token, None)
                raise AuthError("token expired")
            if now < known.recheck_at:
                return known.claims
        claims = self._check(token, allow_fetch=allow_fetch)
        self._remember(token, claims, now)
        return claims

    def _check(self, token: str, *, allow_fetch: bool) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("token malformed") from None
        algorithm = header.get("alg")
        key = self._key_for(algorithm, header.get("kid"), allow_fetch=allow_fetch)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token missing claim {exc.claim}") from None
        except jwt.PyJWTError as exc:
            reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), "token invalid")
            raise AuthError(reason) from None
        return _claims_from(payload)

    def _remember(self, token: str, claims: TokenClaims, now: float) -> None:
        expires_at = claims.expires_at.timestamp() + self._leeway
        entry = _Verified(claims, expires_at=expires_at, recheck_at=now + RECHECK_SECONDS)
        with self._verified_lock:
            self._verified.pop(token, None)
            while len(self._verified) >= self._remembered:
                # The longest remembered goes first (dicts keep insertion order).
                del self._verified[next(iter(self._verified))]
            self._verified[token] = entry

    def _key_for(self, algorithm: object, kid: object, *, allow_fetch: bool) -> Any:
        if algorithm == "HS256":
            if self._secret is None:
                raise AuthError("token algorithm not accepted")
            return self._secret
        if algorithm not in KEY_TYPE_FOR_ALGORITHM or self._jwks is None:
            raise AuthError("token algorithm not accepted")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token key id missing")
        jwk = self._jwks.get(kid, allow_fetch=allow_fetch)
        # Pin the algorithm to the key: an EC key verifies ES256 only, an RSA key RS256 only.
        if jwk.key_type != KEY_TYPE_FOR_ALGORITHM[algorithm] or jwk.algorithm_name != algorithm:
            raise AuthError("token algorithm does not match its key")
        return jwk.key


def _claims_from(payload: dict[str, Any]) -> TokenClaims:
    sub = payload["sub"]
    try:
        user_id = uuid.UUID(sub)
    except (TypeError, ValueError, AttributeError):
        raise AuthError("token subject is not a user id") from None
    if str(user_id) != sub.lower():
        raise AuthError("token subject is not a user id")
    role, email, session_id = payload.get("role"), payload.get("email"), payload.get("session_id")
    is_anonymous = payload.get("is_anonymous", False)
    if not isinstance(is_anonymous, bool) or not all(
        value is None or isinstance(value, str) for value in (role, email, session_id)
    ):
        raise AuthError("token malformed")
    if is_anonymous or role in REFUSED_ROLES:
        raise AuthError("anonymous sessions not accepted")
    return TokenClaims(
        user_id=user_id,
        email=email or None,
        role=role,
        is_anonymous=False,
        session_id=session_id or None,
        expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
    )


@lru_cache(maxsize=1)
def get_token_verifier() -> TokenVerifier:
    """The process-wide verifier (keys cached across requests); tests reset it with `.cache_clear()`."""
    return TokenVerifier(get_settings())


def mint_dev_token(
    sub: uuid.UUID | str | None = None,
    email: str | None = None,
    ttl: int = 3600,
    *,
    settings: Settings | None = None,
) -> str:
    """A locally signed HS256 access token shaped like Supabase's; refused in production."""
    settings = settings or get_settings()
    if settings.environment == "production":
        raise DevTokenRefused("dev tokens are disabled when ENVIRONMENT=production")
    if not settings.supabase_jwt_secret:
        raise DevTokenRefused("SUPABASE_JWT_SECRET is not set; dev tokens are signed with it")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.UUID(str(sub))) if sub is not None else str(uuid.uuid4()),
        "email": email,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl,
        "role": "authenticated",
        "aal": "aal1",
        "is_anonymous": False,
        "session_id": str(uuid.uuid4()),
    }
    payload = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(payload, settings.supabase_jwt_secret, algorithm="HS256")
