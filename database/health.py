"""Cheap liveness checks for /health."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings
from database.engine import get_engine


def database_is_up() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError):
        return False


def broker_is_up() -> bool:
    """Redis answers PING within a second; the embedded broker's folder is writable."""
    settings = get_settings()
    url = settings.broker_url
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False
    if url.startswith("filesystem://"):
        # The embedded broker is up when its folder can take messages (it is created on first use).
        folder = settings.broker_folder / "queue"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(folder, os.W_OK)
    return True
