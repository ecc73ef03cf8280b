"""One settings object for the API, the worker, the CLI and the emulator (SPEC §3)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote_plus

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Known-unsafe values: production refuses to start with any of them.
DEV_JWT_SECRET = "scribe-local-development-secret-not-for-production"
EMULATOR_API_KEY = "scribe-emulator-key"
# Expected `iss` when SUPABASE_URL is unset: dev tokens carry it, so `iss` is still required and checked.
LOCAL_JWT_ISSUER = "scribe-local"
DEFAULT_EMULATOR_URL = "http://127.0.0.1:8765"

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    version: str = "0.1.0"

    database_url: str | None = None
    db_user: str | None = None
    db_password: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_name: str = "postgres"
    data_dir: Path = Path("./data")
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout_seconds: int = 10

    redis_url: str | None = None
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None

    supabase_url: str | None = None
    supabase_jwt_secret: str | None = None
    jwt_audience: str = "authenticated"
    jwks_cache_seconds: int = 600
    jwks_timeout_seconds: float = 5.0
    # Lowest interval between JWKS fetches on unknown `kid`s or failures: junk tokens can't hammer the JWKS.
    jwks_refresh_cooldown_seconds: float = 30.0
    jwt_leeway_seconds: int = 30
    local_jwt_issuer: str = LOCAL_JWT_ISSUER
    admin_emails: CommaList = Field(default_factory=list)
    allowed_origins: CommaList = Field(default_factory=lambda: ["http://localhost:3000"])

    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    exa_api_key: str | None = None
    exa_base_url: str = "https://api.exa.ai"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"

    template_parser_model: str = "anthropic:claude-haiku-4-5"
    research_summarizer_model: str = "anthropic:claude-haiku-4-5"
    email_composer_model: str = "anthropic:claude-sonnet-4-5"
    template_generator_model: str = "anthropic:claude-sonnet-4-5"

    scribe_providers: Literal["live", "local"] | None = None
    emulator_url: str = DEFAULT_EMULATOR_URL

    logfire_token: str | None = None
    # auto: traces are built only when LOGFIRE_TOKEN is set (otherwise they would go nowhere, and
    # Logfire with OpenTelemetry costs each process ~30 MiB and every request some CPU); on: always
    # (spans stay in the process without a token: tests read them); off: never.
    tracing: Literal["auto", "on", "off"] = "auto"
    chromium_path: str = "/usr/bin/chromium"
    # Thin search results are fetched directly (services/page_fetch.py); Chromium renders only pages
    # that need JavaScript, a few at a time (each costs ~0.4 GB on a Pi).
    page_fetch_max_bytes: int = 2 * 1024 * 1024
    page_fetch_timeout_seconds: float = 6.0
    browser_max_pages: int = 2
    browser_timeout_seconds: float = 15.0
    template_generation_limit: int = 5
    # Templates being written at once, per user and per API process (each holds a resume in memory
    # and a model call open for ~15 s).
    template_generations_per_user: int = 2
    template_generations_in_flight: int = 4
    # Resume PDFs come only from these URL prefixes; empty means `resume_origins` (Supabase storage).
    # These origins and SUPABASE_URL's are trusted exactly as configured (scheme, host, port): they
    # may use any port and resolve to private addresses. See services/templates.py.
    resume_allowed_origins: CommaList = Field(default_factory=list)
    resume_max_bytes: int = 10 * 1024 * 1024
    resume_fetch_timeout_seconds: float = 20.0

    # Measured (make bench): pipelines are I/O-bound, so threads sharing one event loop per process
    # give the throughput of many processes at the memory of one.
    worker_pool: Literal["threads", "prefork", "solo"] = "threads"
    pipeline_concurrent_steps: bool = True
    worker_concurrency: int = 16
    task_time_limit_seconds: int = 180
    agent_timeout_seconds: float = 60.0
    max_attempts: int = 3
    # 6 attempts keep >= 99 % of emails completing with 30 % of provider calls failing (make chaos).
    provider_max_attempts: int = 6
    provider_backoff_base_seconds: float = 0.5
    provider_backoff_cap_seconds: float = 8.0
    # An account's rate limits, shared by every worker (Redis; in-process with the embedded broker).
    # Unset: no client-side budget, and a 429 still slows the workers down (services/limits/gate.py).
    anthropic_rpm: float | None = Field(default=None, gt=0)
    anthropic_input_tpm: float | None = Field(default=None, gt=0)
    exa_rps: float | None = Field(default=None, gt=0)
    # Per email: time queued for providers' rate limits that does not count against the time limit
    # (services/limits/deadline.py). Every email still ends within the two added together.
    rate_limit_wait_seconds: float = Field(default=600.0, ge=0)
    # arXiv results per author are reused this long (0: not cached); a retry or a second email to the
    # same person does not ask arXiv again.
    arxiv_cache_seconds: float = Field(default=6 * 3600, ge=0)
    heartbeat_seconds: float = 15.0
    stale_after_seconds: int = 90
    orphan_after_seconds: int = 900
    reaper_interval_seconds: int = 60
    rate_limit_generate_per_minute: int = 20
    sse_keepalive_seconds: float = 15.0
    # Live streams wake when a write publishes a change notice on Redis (services/changes.py), and
    # re-read all their rows every SSE_RESYNC_SECONDS in case a notice was lost. Without Redis, or
    # with SSE_WAKE=poll, they read their rows every SSE_POLL_SECONDS instead.
    sse_wake: Literal["auto", "poll"] = "auto"
    sse_resync_seconds: float = Field(default=20.0, gt=0)
    sse_poll_seconds: float = 0.5
    # Live streams a user may hold open per API process, and how long one lasts before the client
    # reconnects (EventSource does so by itself, resuming after Last-Event-ID).
    sse_streams_per_user: int = 10
    sse_max_seconds: float = 900.0
    rate_limit_batch_per_minute: int = 5
    # Pending (paid, not yet started) items a user may have at once: two full batches.
    max_pending_per_user: int = 200
    # Retention (services/retention.py). Admin activity reads 12 weeks of queue items: keep 90 days.
    idempotency_key_ttl_seconds: int = 24 * 3600
    queue_retention_days: int = 90
    task_expiry_seconds: int = 6 * 3600
    # Largest request body the API reads. The biggest valid body (a 100-item batch at the length limits,
    # every character JSON-escaped as a surrogate pair) stays under 1 MiB, so the cap refuses nothing valid.
    max_request_bytes: int = 1024 * 1024

    @field_validator("admin_emails", "allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("resume_allowed_origins", mode="before")
    @classmethod
    def _split_resume_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for origin in value if isinstance(value, list) else []:
            scheme, _, rest = str(origin).partition("://")
            authority = rest.split("/", 1)[0]
            if scheme not in ("http", "https") or not authority or "@" in authority:
                raise ValueError(f"resume origin {origin!r} must look like https://host[:port]/path/")
        return value

    @model_validator(mode="after")
    def _resolve_providers(self) -> Settings:
        if self.scribe_providers is None:
            has_keys = bool(self.anthropic_api_key and self.exa_api_key)
            self.scribe_providers = "live" if has_keys or self.environment == "production" else "local"
        if self.scribe_providers == "local":
            # The emulator stands in for every provider: same SDKs, other base URLs.
            base = self.emulator_url.rstrip("/")
            self.anthropic_api_key = self.anthropic_api_key or EMULATOR_API_KEY
            self.anthropic_base_url = base
            self.exa_api_key = self.exa_api_key or EMULATOR_API_KEY
            self.exa_base_url = base
            self.arxiv_api_url = f"{base}/api/query"
        if self.environment != "production" and not self.supabase_jwt_secret and not self.supabase_url:
            self.supabase_jwt_secret = DEV_JWT_SECRET
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment != "production":
            return self
        if self.supabase_jwt_secret == DEV_JWT_SECRET:
            raise ValueError("SUPABASE_JWT_SECRET is the development secret; set the project's real secret")
        if not self.supabase_url:
            # Also needed with the HS256 secret: Supabase's tokens carry iss = {SUPABASE_URL}/auth/v1.
            raise ValueError("SUPABASE_URL is required in production (token issuer and JWKS)")
        if self.scribe_providers == "live":
            for name in ("anthropic_api_key", "exa_api_key"):
                if not getattr(self, name) or getattr(self, name) == EMULATOR_API_KEY:
                    raise ValueError(f"{name.upper()} is required when SCRIBE_PROVIDERS=live")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgres://"):
                url = "postgresql://" + url.removeprefix("postgres://")
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        if self.db_host and self.db_user:
            password = quote_plus(self.db_password or "")
            return (
                f"postgresql+psycopg://{quote_plus(self.db_user)}:{password}@{self.db_host}:{self.db_port}"
                f"/{self.db_name}?sslmode=require"
            )
        return f"sqlite:///{(self.data_dir / 'scribe.db').as_posix()}"

    @property
    def tracing_enabled(self) -> bool:
        return self.tracing == "on" or (self.tracing == "auto" and bool(self.logfire_token))

    @property
    def pipeline_wall_limit_seconds(self) -> float:
        """The longest one email can run: its time limit plus the time it may queue for rate limits."""
        return self.task_time_limit_seconds + self.rate_limit_wait_seconds

    @property
    def uses_transaction_pooler(self) -> bool:
        """Supabase's transaction pooler (6543) cannot keep session state, so no client-side pool."""
        return ":6543/" in self.sqlalchemy_url

    @property
    def broker_url(self) -> str:
        if self.celery_broker_url:
            return self.celery_broker_url
        if self.redis_url:
            return self.redis_url
        return "filesystem://"

    @property
    def result_backend(self) -> str:
        if self.celery_result_backend:
            return self.celery_result_backend
        if self.redis_url:
            return self.redis_url
        return f"db+sqlite:///{(self.data_dir / 'celery-results.sqlite').resolve().as_posix()}"

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def jwks_url(self) -> str | None:
        return f"{self.supabase_url.rstrip('/')}/auth/v1/.well-known/jwks.json" if self.supabase_url else None

    @property
    def jwt_issuer(self) -> str:
        """The `iss` accepted tokens must carry: Supabase Auth's, or the local one without SUPABASE_URL."""
        return f"{self.supabase_url.rstrip('/')}/auth/v1" if self.supabase_url else self.local_jwt_issuer

    @property
    def resume_origins(self) -> list[str]:
        return [f"{self.supabase_url.rstrip('/')}/storage/v1/"] if self.supabase_url else []


@lru_cache
def get_settings() -> Settings:
    """Load settings once; a bad or missing variable exits with one line naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        raise SystemExit(f"scribe: configuration error in {name}: {first['msg']}") from None
