from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import Base
from tests.conftest import _create_postgres_database, _drop_postgres_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A session on a database of its own, for tests that reason about the whole table."""
    if request.param == "postgresql":
        server = os.environ.get("TEST_DATABASE_URL")
        if not server:
            pytest.skip("set TEST_DATABASE_URL for PostgreSQL")
        url = _create_postgres_database(server)
    else:
        url = f"sqlite:///{tmp_path / 'own.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(url)
