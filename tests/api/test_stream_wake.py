"""Live streams wake on change: a worker's write reaches an open stream at once, without polling.

The API runs as a real uvicorn process on a database of its own, with both its poll interval and
its safety resync at 300 s: whatever arrives sooner came through a change notice. The test process
plays the worker, calling the worker's own write path (services/queue.py) on that database, so the
notices cross processes through Redis the way they do in production. No broker token is sent (a
token would make the session's workers claim other tests' items).
"""

from __future__ import annotations

import os
import queue as queues
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.orm import Session

from models import QueueItem, QueueStatus, User
from models.base import utcnow
from schemas.email import TaskAccepted
from services import queue, reaper, submission
from services.changes import LISTENER_NAME
from tests.api.test_email import TEMPLATE
from tests.api.test_events import read_events
from tests.conftest import RUN_DIR, TEST_DATABASE_URL, TEST_REDIS_URL, free_port
from tests.security.live import api_process, new_user

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="change notices need Redis (TEST_REDIS_URL)")

ROOT = Path(__file__).resolve().parents[2]
SLOW = "300"  # poll interval and resync of the quiet API: nothing may arrive through them here
PROMPT = 1.0  # seconds: a change reaches the stream well within this (typically a few ms)


def migrated_database(name: str) -> str:
    """A fresh database of the test server (or SQLite file), migrated by Alembic in a subprocess."""
    from tests.conftest import _create_postgres_database

    if TEST_DATABASE_URL and name != "sqlite":
        url = _create_postgres_database(TEST_DATABASE_URL)
    else:
        url = f"sqlite:///{(RUN_DIR / f'{name}-{uuid.uuid4().hex[:6]}.db').as_posix()}"
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return url


@pytest.fixture(scope="module")
def database() -> Iterator[Engine]:
    from tests.conftest import _drop_postgres_database

    url = migrated_database("wake")
    engine = create_engine(url)
    yield engine
    engine.dispose()
    if url.startswith("postgresql"):
        _drop_postgres_database(url)


@pytest.fixture(scope="module")
def quiet_api(database: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("wake") / "api.log"
    url = database.url.render_as_string(hide_password=False)
    with api_process(
        log, DATABASE_URL=url, SSE_POLL_SECONDS=SLOW, SSE_RESYNC_SECONDS=SLOW, SSE_KEEPALIVE_SECONDS="1"
    ) as base:
        yield base


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Submissions here write their rows and notices but send no broker token."""
    monkeypatch.setattr(queue, "_send_tokens", lambda item_ids: [])


@pytest.fixture(autouse=True)
def empty_line(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test finds the module's line empty, so a claim takes that test's item."""
    yield
    if "database" in request.fixturenames:
        engine: Engine = request.getfixturevalue("database")
        with Session(engine) as session:
            session.execute(
                update(QueueItem)
                .where(QueueItem.status.in_([QueueStatus.PENDING, QueueStatus.PROCESSING]))
                .values(status=QueueStatus.CANCELLED)
            )
            session.commit()


class Stream:
    """An SSE stream read on a thread: (arrival time, event, data) as they come, then 'end'."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queues.Queue[tuple[float, str, Any]] = queues.Queue()
        self.status: int | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=120))
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                for _, event, data in read_events(response.iter_lines()):
                    if event != "comment":
                        self.events.put((time.monotonic(), event, data))
        except httpx.HTTPError:
            pass
        finally:
            self.events.put((time.monotonic(), "end", None))

    def next(self, timeout: float = 10) -> tuple[float, str, Any]:
        try:
            return self.events.get(timeout=timeout)
        except queues.Empty:
            raise AssertionError(f"no event within {timeout} s") from None

    def close(self) -> None:
        self._client.close()
        self._thread.join(timeout=5)


def submit_items(engine: Engine, user_id: uuid.UUID, names: list[str]) -> list[uuid.UUID]:
    """The submission write path (rows, commit, notice), without the broker."""
    ids: list[uuid.UUID] = []
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        for name in names:
            submission.submit(
                session=session,
                user=user,
                route="generate",
                items=[queue.NewItem(name, "graphs")],
                email_template=TEMPLATE,
                idempotency_key=None,
                status_code=202,
                respond=lambda rows: TaskAccepted(task_id=rows[0].id),
            )
        ids = list(
            session.scalars(
                select(QueueItem.id).where(QueueItem.user_id == user_id).order_by(QueueItem.created_at)
            )
        )
    return ids


def claim(engine: Engine, item_id: uuid.UUID) -> QueueItem:
    """The worker's claim; this module's database holds only the item being claimed as pending."""
    with Session(engine, expire_on_commit=False) as session:
        item = queue.claim_next(session=session, task_id=f"worker-{uuid.uuid4().hex[:6]}")
    assert item is not None and item.id == item_id
    return item


def progress(engine: Engine, item_id: uuid.UUID, step: str, timings: dict[str, float]) -> None:
    with Session(engine) as session:
        queue.record_progress(
            session=session, item_id=item_id, step=step, step_status="completed", step_timings=timings
        )


def wait_for(stream: Stream, event: str, started: float, timeout: float = PROMPT) -> tuple[float, Any]:
    """The stream's next `event`, with how long after `started` it arrived."""
    arrived, kind, data = stream.next(timeout=10)
    assert kind == event, (kind, data)
    return arrived - started, data


def test_a_workers_writes_reach_open_streams_at_once(database: Engine, quiet_api: str) -> None:
    user_id, headers = new_user(quiet_api)
    first, second = submit_items(database, user_id, ["Ada Quill", "Bo Lind"])
    task = Stream(f"{quiet_api}/api/email/status/{first}/stream", headers)
    line = Stream(f"{quiet_api}/api/queue/stream", headers)
    try:
        assert wait_for(task, "status", 0)[1]["status"] == "PENDING"
        assert [i["status"] for i in wait_for(line, "queue", 0)[1]] == ["pending", "pending"]
        delays: dict[str, float] = {}

        started = time.monotonic()
        item = claim(database, first)
        delays["claim (status)"], status = wait_for(task, "status", started)
        assert status["status"] == "STARTED"
        delays["claim (queue)"], items = wait_for(line, "queue", started)
        assert [(i["status"], i["position"]) for i in items] == [("processing", None), ("pending", 1)]

        started = time.monotonic()
        progress(database, first, "template_parser", {"template_parser": 1.2})
        delays["progress (status)"], status = wait_for(task, "status", started)
        assert status["result"]["current_step"] == "template_parser"
        delays["progress (queue)"], items = wait_for(line, "queue", started)
        assert items[0]["current_step"] == "template_parser"

        started = time.monotonic()
        with Session(database, expire_on_commit=False) as session:
            queue.complete(
                session=session,
                item=item,
                email_message="Dear Ada, ...",
                template_type="research",
                metadata={},
                is_confident=True,
                step_timings={"template_parser": 1.2},
            )
        delays["completion (status)"], status = wait_for(task, "status", started)
        assert status["status"] == "SUCCESS"
        assert task.next()[1] == "end"
        delays["completion (queue)"], items = wait_for(line, "queue", started)
        assert [i["status"] for i in items] == ["completed", "pending"]

        # The API's own write (a cancel) wakes its own streams the same way.
        started = time.monotonic()
        response = httpx.delete(f"{quiet_api}/api/queue/{second}", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        delays["cancel (queue)"], items = wait_for(line, "queue", started)
        assert [i["status"] for i in items] == ["completed"]
        assert line.next()[1] == "end"
    finally:
        task.close()
        line.close()
    print("\n" + ", ".join(f"{name} {delay * 1000:.0f} ms" for name, delay in delays.items()))
    slow = {name: delay for name, delay in delays.items() if delay >= PROMPT}
    assert not slow, f"arrived after {PROMPT} s (polling is at {SLOW} s): {slow}"


def test_a_submission_and_the_reapers_requeue_reach_the_queue_stream(
    database: Engine, quiet_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, headers = new_user(quiet_api)
    [first] = submit_items(database, user_id, ["Ada Quill"])
    line = Stream(f"{quiet_api}/api/queue/stream", headers)
    try:
        assert [i["status"] for i in wait_for(line, "queue", 0)[1]] == ["pending"]
        started = time.monotonic()
        submit_items(database, user_id, ["Bo Lind"])
        delay, items = wait_for(line, "queue", started)
        assert [i["status"] for i in items] == ["pending", "pending"] and delay < PROMPT

        claim(database, first)
        assert [i["status"] for i in wait_for(line, "queue", 0)[1]] == ["processing", "pending"]
        # The worker died: its heartbeat stopped long ago, and the reaper puts the item back.
        with Session(database) as session:
            session.execute(
                update(QueueItem)
                .where(QueueItem.id == first)
                .values(heartbeat_at=utcnow() - timedelta(hours=1))
            )
            session.commit()
        monkeypatch.setattr(reaper, "enqueue", lambda session, item_ids: 0)
        monkeypatch.setattr(reaper, "replace_lost_tokens", lambda session: 0)
        started = time.monotonic()
        with Session(database) as session:
            assert reaper.reap(session=session).requeued == 1
        delay, items = wait_for(line, "queue", started)
        assert [(i["status"], i["position"]) for i in items] == [("pending", 1), ("pending", 2)]
        assert delay < PROMPT
    finally:
        line.close()


def test_a_sequence_of_progress_updates_arrives_in_order(database: Engine, quiet_api: str) -> None:
    user_id, headers = new_user(quiet_api)
    [item_id] = submit_items(database, user_id, ["Ada Quill"])
    claim(database, item_id)
    task = Stream(f"{quiet_api}/api/email/status/{item_id}/stream", headers)
    line = Stream(f"{quiet_api}/api/queue/stream", headers)
    spaced, burst = 10, 40
    last = spaced + burst
    statuses: list[Any] = []
    lines: list[Any] = []

    def until(stream: Stream, seen: list[Any], done: Any) -> None:
        """Collect the stream's events until one satisfies `done` (or the stream ends)."""
        while True:
            _, kind, data = stream.next()
            if kind == "end":
                return
            seen.append(data)
            if done(data):
                return

    try:
        assert wait_for(task, "status", 0)[1]["status"] == "STARTED"
        wait_for(line, "queue", 0)
        for number in range(1, last + 1):
            timings = {f"step-{n:02d}": float(n) for n in range(1, number + 1)}
            progress(database, item_id, f"step-{number:02d}", timings)
            if number <= spaced:
                time.sleep(0.25)  # spaced out: every single update must show
        # The latest state always arrives, however the burst coalesced.
        until(task, statuses, lambda s: len((s.get("result") or {}).get("step_timings") or {}) == last)
        until(line, lines, lambda items: items[0]["current_step"] == f"step-{last:02d}")
        with Session(database, expire_on_commit=False) as session:
            item = session.get(QueueItem, item_id)
            assert item is not None
            queue.fail(session=session, item=item, message="stopped", error_type="x", failed_step=None)
        until(task, statuses, lambda s: False)
        until(line, lines, lambda items: False)
    finally:
        task.close()
        line.close()
    counts = [len(s["result"]["step_timings"]) for s in statuses if s["status"] == "STARTED"]
    assert counts[:spaced] == list(range(1, spaced + 1)), counts
    # A burst may coalesce (the latest state wins) but never goes backwards, and ends on the last.
    assert counts == sorted(set(counts)) and counts[-1] == last, counts
    assert statuses[-1]["status"] == "FAILURE"
    steps = [items[0]["current_step"] for items in lines if items[0]["status"] == "processing"]
    assert steps[:spaced] == [f"step-{n:02d}" for n in range(1, spaced + 1)], steps
    assert steps == sorted(set(steps)) and steps[-1] == f"step-{last:02d}", steps
    assert lines[-1][0]["status"] == "failed"


def listener_of_child(client: redis.Redis) -> dict[str, Any] | None:
    """The change-notice subscription of an API process started by this test process."""
    for entry in client.client_list(_type="pubsub"):
        name = str(entry.get("name", ""))
        if not name.startswith(f"{LISTENER_NAME}-"):
            continue
        pid = name.rsplit("-", 1)[1]
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == os.getpid():
            return entry
    return None


def wait_for_listener(client: redis.Redis, other_than: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        entry = listener_of_child(client)
        if entry is not None and entry["id"] != other_than:
            return entry
        time.sleep(0.05)
    raise AssertionError("the API's change-notice subscription did not (re)appear")


def test_the_listener_reconnects_after_its_connection_is_killed(database: Engine, quiet_api: str) -> None:
    assert TEST_REDIS_URL
    user_id, headers = new_user(quiet_api)
    [item_id] = submit_items(database, user_id, ["Ada Quill"])
    claim(database, item_id)
    task = Stream(f"{quiet_api}/api/email/status/{item_id}/stream", headers)
    admin = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        assert wait_for(task, "status", 0)[1]["status"] == "STARTED"
        listener = wait_for_listener(admin)
        # Killed, and a change written at once: its notice is published while nobody listens, so
        # only the catch-up read after reconnecting can deliver it.
        admin.client_kill_filter(_id=listener["id"])
        started = time.monotonic()
        progress(database, item_id, "template_parser", {"template_parser": 1.0})
        delay, status = wait_for(task, "status", started)
        assert status["result"]["current_step"] == "template_parser"
        assert delay < 10, delay  # reconnect backoff starts at 0.1 s; SSE_RESYNC_SECONDS is 300
        wait_for_listener(admin, other_than=listener["id"])
        # Later changes come through the new subscription, at once.
        started = time.monotonic()
        progress(database, item_id, "web_scraper", {"template_parser": 1.0, "web_scraper": 2.0})
        delay, status = wait_for(task, "status", started)
        assert status["result"]["current_step"] == "web_scraper"
        assert delay < PROMPT, delay
    finally:
        task.close()
        admin.close()


def test_without_redis_streams_poll_their_rows(tmp_path: Path) -> None:
    """The embedded setup (SQLite, no Redis): no notices, streams poll every SSE_POLL_SECONDS."""
    polls_without_notices(tmp_path, migrated_database("sqlite"), REDIS_URL="")


def test_while_redis_is_unreachable_streams_poll_their_rows(database: Engine, tmp_path: Path) -> None:
    """Redis configured but gone: the listener keeps reconnecting, and streams poll meanwhile."""
    url = database.url.render_as_string(hide_password=False)
    polls_without_notices(tmp_path, url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")


def polls_without_notices(tmp_path: Path, url: str, **env: str) -> None:
    engine = create_engine(url)
    try:
        with api_process(
            tmp_path / "api.log", DATABASE_URL=url, SSE_POLL_SECONDS="0.2", SSE_RESYNC_SECONDS=SLOW, **env
        ) as base:
            user_id, headers = new_user(base)
            [item_id] = submit_items(engine, user_id, ["Ada Quill"])
            task = Stream(f"{base}/api/email/status/{item_id}/stream", headers)
            try:
                assert wait_for(task, "status", 0)[1]["status"] == "PENDING"
                # Written without any notice: only polling can find it.
                with Session(engine) as session:
                    session.execute(
                        update(QueueItem)
                        .where(QueueItem.id == item_id)
                        .values(status=QueueStatus.PROCESSING, current_step="template_parser")
                    )
                    session.commit()
                started = time.monotonic()
                delay, status = wait_for(task, "status", started)
                assert status["status"] == "STARTED" and delay < 3, delay
            finally:
                task.close()
    finally:
        engine.dispose()
