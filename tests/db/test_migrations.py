"""`alembic upgrade head` builds exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from database.engine import get_engine
from models import Base
from tests.conftest import _create_postgres_database, _drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]


def upgrade_and_diff(url: str) -> list[object]:
    engine = create_engine(url)
    with engine.begin() as connection:
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["configure_logger"] = False
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return list(diff)


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    assert upgrade_and_diff(f"sqlite:///{tmp_path / 'fresh.db'}") == []


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="set TEST_DATABASE_URL for PostgreSQL")
def test_postgres_migrations_match_the_models() -> None:
    url = _create_postgres_database(os.environ["TEST_DATABASE_URL"])
    try:
        assert upgrade_and_diff(url) == []
    finally:
        _drop_postgres_database(url)


def test_run_database_has_all_four_tables() -> None:
    tables = set(inspect(get_engine()).get_table_names())
    assert {"users", "emails", "queue_items", "templates"} <= tables


def test_metadata_column_is_jsonb_on_postgres() -> None:
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    columns = {c["name"]: c for c in inspect(engine).get_columns("emails")}
    assert columns["metadata"]["type"].__class__.__name__ == "JSONB"
