"""Test environment: one database and data folder per run, created by `alembic upgrade head`.

With TEST_DATABASE_URL set the run gets a fresh PostgreSQL database on that server;
otherwise a SQLite file. With TEST_REDIS_URL set, Celery uses Redis; otherwise the
embedded filesystem broker. Environment is set here, before any app module is imported,
because settings are read once per process.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RUN_DIR = Path(tempfile.mkdtemp(prefix="scribe-test-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_postgres_database(server_url: str) -> str:
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"scribe_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


DATABASE_URL = (
    _create_postgres_database(TEST_DATABASE_URL)
    if TEST_DATABASE_URL
    else f"sqlite:///{(RUN_DIR / 'scribe.db').as_posix()}"
)
EMULATOR_PORT = free_port()

os.environ.update(
    {
        "ENVIRONMENT": "test",
        "DATABASE_URL": DATABASE_URL,
        "DATA_DIR": str(RUN_DIR),
        "SCRIBE_PROVIDERS": "local",
        "EMULATOR_URL": f"http://127.0.0.1:{EMULATOR_PORT}",
        "LOGFIRE_TOKEN": "",
        # Spans are built without a token too, so tests can read them (tests/security); the default,
        # no tracing without a token, is checked in a clean process by tests/unit/test_import_diet.py.
        "TRACING": "on",
        "ADMIN_EMAILS": "admin@scribe.test",
        # Provider retries keep their shape (exponential, jittered) but not their seconds.
        "PROVIDER_BACKOFF_BASE_SECONDS": "0.02",
        "PROVIDER_BACKOFF_CAP_SECONDS": "0.2",
    }
)
for name in (
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SUPABASE_URL",
    "SUPABASE_JWT_SECRET",
):
    os.environ.pop(name, None)
if TEST_REDIS_URL:
    os.environ["REDIS_URL"] = TEST_REDIS_URL


def pytest_report_header() -> list[str]:
    database = "PostgreSQL" if TEST_DATABASE_URL else "SQLite (set TEST_DATABASE_URL for PostgreSQL)"
    broker = "Redis" if TEST_REDIS_URL else "embedded filesystem (set TEST_REDIS_URL for Redis)"
    return [f"scribe database: {database}", f"scribe broker: {broker}"]


def pytest_sessionstart(session: object) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(Path(__file__).resolve().parents[1] / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    from database.engine import get_engine

    get_engine().dispose()
    if TEST_DATABASE_URL:
        _drop_postgres_database(DATABASE_URL)


pytest_plugins = [
    "tests.fixtures.ordering",
    "tests.fixtures.auth",
    "tests.fixtures.api",
    "tests.fixtures.services",
    "tests.fixtures.worker",
]
