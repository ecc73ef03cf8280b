"""`alembic upgrade head` builds exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import DateTime, Uuid, column, create_engine, func, insert, inspect, select
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

from database.engine import build_engine, get_engine
from models import Base, Email, QueueItem, QueueTemplate
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


def upgrade_with_rows(url: str) -> None:
    """Migrate a database that already holds queue items (one batch, one single, an email) to head
    and check that each submission's template is stored once and nothing lost its links."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    config.cmd_opts = type("Options", (), {"x": [f"url={url}"]})()  # env.py reads -x url=...
    command.upgrade(config, "0003")
    engine = build_engine(url)  # the app's engine: foreign keys on, as in production
    user, batch_id, single, email = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    batch = [uuid.uuid4() for _ in range(3)]
    now = datetime.now(UTC)

    def table(name: str, *columns: str) -> TableClause:
        typed: dict[str, TypeEngine[Any]] = {"id": Uuid(), "user_id": Uuid(), "batch_id": Uuid()}
        typed["queue_item_id"] = Uuid()
        typed |= {"created_at": DateTime(timezone=True), "updated_at": DateTime(timezone=True)}
        return sql_table(name, *(column(c, typed.get(c)) for c in columns))

    users = table(
        "users", "id", "email", "generation_count", "template_count", "onboarded", "created_at", "updated_at"
    )
    items = table(
        "queue_items",
        "id",
        "user_id",
        "batch_id",
        "batch_index",
        "recipient_name",
        "recipient_interest",
        "email_template",
        "status",
        "attempts",
        "created_at",
    )
    emails = table(
        "emails",
        "id",
        "user_id",
        "queue_item_id",
        "recipient_name",
        "recipient_interest",
        "email_message",
        "template_type",
        "is_confident",
        "displayed",
        "created_at",
    )
    person = {"recipient_name": "Ada", "recipient_interest": "graphs", "created_at": now}
    with engine.begin() as connection:
        connection.execute(
            insert(users).values(
                id=user,
                email="a@uni.test",
                generation_count=1,
                template_count=0,
                onboarded=False,
                created_at=now,
                updated_at=now,
            )
        )
        rows = [(item, batch_id, index, "Batch {{name}}") for index, item in enumerate(batch)]
        for item, batch_of, index, template in [*rows, (single, None, 0, "Single {{name}}")]:
            connection.execute(
                insert(items).values(
                    id=item,
                    user_id=user,
                    batch_id=batch_of,
                    batch_index=index,
                    email_template=template,
                    status="completed",
                    attempts=1,
                    **person,
                )
            )
        connection.execute(
            insert(emails).values(
                id=email,
                user_id=user,
                queue_item_id=single,
                email_message="Hello",
                template_type="general",
                is_confident=True,
                displayed=True,
                **person,
            )
        )
    engine.dispose()
    command.upgrade(config, "head")
    engine = build_engine(url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(QueueTemplate)) == 2
        migrated = list(session.scalars(select(QueueItem)))
        texts = {item.id: item.template_text for item in migrated}
        assert texts == {**dict.fromkeys(batch, "Batch {{name}}"), single: "Single {{name}}"}
        assert {item.email_template for item in migrated} == {None}  # the per-row copies are gone
        linked = session.get(Email, email)
        assert linked is not None and linked.queue_item_id == single
    engine.dispose()


def test_existing_queue_items_get_one_template_per_submission_on_sqlite(tmp_path: Path) -> None:
    upgrade_with_rows(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="set TEST_DATABASE_URL for PostgreSQL")
def test_existing_queue_items_get_one_template_per_submission_on_postgres() -> None:
    url = _create_postgres_database(os.environ["TEST_DATABASE_URL"])
    try:
        upgrade_with_rows(url)
    finally:
        _drop_postgres_database(url)
