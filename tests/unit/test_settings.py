import pytest

from config.settings import DEV_JWT_SECRET, EMULATOR_API_KEY, Settings


def test_defaults_use_embedded_database_and_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None, database_url=None, redis_url=None, data_dir="./data")
    assert settings.sqlalchemy_url == "sqlite:///data/scribe.db"
    assert settings.broker_url == "filesystem://"
    assert settings.result_backend.startswith("db+sqlite:///")


def test_supabase_pieces_build_an_encoded_ssl_url() -> None:
    settings = Settings(
        _env_file=None,
        database_url=None,
        db_user="postgres.abc",
        db_password="p@ss:w/rd",
        db_host="aws-0.pooler.supabase.com",
        db_port=6543,
    )
    assert settings.sqlalchemy_url == (
        "postgresql+psycopg://postgres.abc:p%40ss%3Aw%2Frd@aws-0.pooler.supabase.com:6543/postgres?sslmode=require"
    )
    assert settings.uses_transaction_pooler


def test_redis_url_drives_broker_and_results() -> None:
    settings = Settings(_env_file=None, redis_url="redis://r:6379/0")
    assert settings.broker_url == settings.result_backend == "redis://r:6379/0"


def test_local_providers_point_every_sdk_at_the_emulator() -> None:
    settings = Settings(_env_file=None, scribe_providers="local", emulator_url="http://127.0.0.1:9999")
    assert settings.anthropic_base_url == "http://127.0.0.1:9999"
    assert settings.exa_base_url == "http://127.0.0.1:9999"
    assert settings.arxiv_api_url == "http://127.0.0.1:9999/api/query"
    assert settings.anthropic_api_key == EMULATOR_API_KEY


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="development secret"):
        Settings(_env_file=None, environment="production", supabase_jwt_secret=DEV_JWT_SECRET)


def test_production_refuses_to_run_without_token_verification() -> None:
    with pytest.raises(ValueError, match="SUPABASE_URL"):
        Settings(_env_file=None, environment="production", anthropic_api_key="k", exa_api_key="k")


def test_production_live_needs_provider_keys() -> None:
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY"):
        Settings(
            _env_file=None,
            environment="production",
            scribe_providers="live",
            supabase_url="https://x.supabase.co",
        )


def test_comma_lists_are_split() -> None:
    settings = Settings(
        _env_file=None, admin_emails="a@x.edu, b@y.edu", allowed_origins="https://a,https://b"
    )
    assert settings.admin_emails == ["a@x.edu", "b@y.edu"]
    assert settings.allowed_origins == ["https://a", "https://b"]


def test_production_needs_the_supabase_url_even_with_a_secret() -> None:
    with pytest.raises(ValueError, match="SUPABASE_URL"):
        Settings(
            _env_file=None,
            environment="production",
            supabase_jwt_secret="a-real-project-secret-value",
            anthropic_api_key="k",
            exa_api_key="k",
        )
