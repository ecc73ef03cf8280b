"""Redis and PostgreSQL restart mid-batch, and a broker message vanishes: the queue recovers by itself.

Each fault hits a server this run started (tests/chaos/plugin.py); the worker keeps running through
it (and sweeps for recovery itself, no beat), as it would on the Pi when Redis or PostgreSQL
restarts under it.
"""

from __future__ import annotations

import time

import pytest
import redis

from celery_config import EMAIL_QUEUE
from models import QueueStatus
from services.emulator import EmulatorHandle
from tests.chaos.harness import ALL_ENDPOINTS, Chaos, Row, assert_recovered
from tests.chaos.plugin import postgres_cluster, redis_server

LATENCY = dict.fromkeys(ALL_ENDPOINTS, 0.5)


def busy(rows: list[Row]) -> bool:
    """Some items in flight mid-pipeline and some still waiting: the fault hits both kinds."""
    running = sum(r.status == QueueStatus.PROCESSING and r.current_step is not None for r in rows)
    return running >= 2 and any(r.status == QueueStatus.PENDING for r in rows)


@pytest.mark.parametrize("appendonly", [True, False], ids=["aof", "no-persistence"])
def test_redis_restart_mid_batch_loses_nothing(
    chaos: Chaos, emulator: EmulatorHandle, appendonly: bool
) -> None:
    server = redis_server()
    server.restart(appendonly=appendonly, wipe=True)  # the mode under test, before the batch
    emulator.configure(latency=LATENCY)
    chaos.submit(8)
    chaos.wait_for(busy, timeout=60, what="items in flight and queued")

    tokens = redis.Redis.from_url(server.url).llen(EMAIL_QUEUE)
    server.restart()  # SIGKILL, then start again in the same mode
    mode = "AOF everysec" if appendonly else "no persistence"
    chaos.mark_fault(f"Redis SIGKILL + restart ({mode}) with {tokens} token(s) queued")
    outcome = chaos.outcome(f"Redis restart, {mode}")

    assert_recovered(outcome)


def test_postgres_restart_mid_batch_loses_nothing(chaos: Chaos, emulator: EmulatorHandle) -> None:
    cluster = postgres_cluster()
    emulator.configure(latency=LATENCY)
    chaos.submit(8)
    chaos.wait_for(busy, timeout=60, what="items in flight and queued")

    chaos.mark_fault("PostgreSQL fast shutdown, down 3 s, start")
    cluster.stop(mode="fast")
    time.sleep(3)  # an outage, not just a blip: heartbeats, progress writes and claims fail meanwhile
    cluster.start()
    outcome = chaos.outcome("PostgreSQL restart")

    assert_recovered(outcome)


def test_deleted_broker_message_is_replaced(chaos: Chaos, emulator: EmulatorHandle) -> None:
    emulator.configure(latency=LATENCY)
    chaos.submit(8)
    chaos.wait_for(busy, timeout=60, what="items in flight and queued")

    client = redis.Redis.from_url(redis_server().url)
    assert client.lpop(EMAIL_QUEUE) is not None, "a token was queued"
    chaos.mark_fault("one message removed from the email_default list")
    outcome = chaos.outcome("broker message deleted")

    assert_recovered(outcome)
