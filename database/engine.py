"""The one engine and session factory of the process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from config.settings import get_settings


def build_engine(url: str, *, transaction_pooler: bool = False, pool: dict[str, int] | None = None) -> Engine:
    """Create an engine with the right pool and pragmas for the URL's backend."""
    pool = pool or {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # hide_parameters: exceptions and logs never carry user content (templates, emails).
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if transaction_pooler:
        # pgbouncer in transaction mode: no client pool and no server-side prepared statements.
        kwargs["poolclass"] = NullPool
        kwargs["connect_args"] = {"prepare_threshold": None}
    else:
        kwargs.update(pool_recycle=1800, **pool)
    kwargs.setdefault("connect_args", {})["connect_timeout"] = 5
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }
    return build_engine(
        settings.sqlalchemy_url, transaction_pooler=settings.uses_transaction_pooler, pool=pool
    )


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for work outside a request (tasks, CLI); the caller commits."""
    session = get_sessionmaker()()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A pooled connection in autocommit, for the hot polling reads of one statement each.

    One statement is its own snapshot, so it needs no transaction; leaving out BEGIN and ROLLBACK
    saves two round trips and about half the database CPU of a poll on the API side.
    """
    with get_engine().connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")
