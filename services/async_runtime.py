"""One event loop per worker process, shared by every task thread.

Celery tasks are synchronous; the pipeline is async. Running each task with `asyncio.run`
would build a new loop (and new HTTP connection pools) per email and, in a threads pool,
one loop per thread. Instead every task submits its coroutine to this process's loop, so
eight pipelines in flight share one loop, one set of connection pools and one set of agents:
the I/O-bound work overlaps while the Pi's two slow cores stay mostly idle.

Blocking calls leave the loop through executors sized for them (`in_thread`), never through
asyncio's default executor: that one has min(32, CPUs + 4) threads (6 here, 8 on a Pi) shared by
every `to_thread` caller, so a few slow callers made everyone else's calls queue, heartbeats included.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None

ExecutorKind = Literal["records", "io", "cpu"]
_executors: dict[ExecutorKind, ThreadPoolExecutor] = {}


def _start() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="scribe-event-loop", daemon=True)
    thread.start()
    return loop


def loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = _start()
        return _loop


async def _in_context[T](coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
    return await asyncio.get_running_loop().create_task(coroutine, context=context)


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the process loop and wait for it; if the waiting thread is interrupted
    (Celery's soft time limit raises in it), the coroutine is cancelled rather than left running.

    The coroutine runs in a copy of the caller's context, so the task's trace (Logfire/OpenTelemetry
    keep the current span in a context variable) continues through every pipeline step.
    """
    context = contextvars.copy_context()
    future: Future[T] = asyncio.run_coroutine_threadsafe(_in_context(coroutine, context), loop())
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


def _executor_size(kind: ExecutorKind) -> int:
    if kind == "records":
        # Progress writes: a few milliseconds each, and they must never wait behind research work.
        # (Heartbeats have a thread of their own: services/heartbeats.py.)
        return 2
    if kind == "cpu":
        # Parsing pages and feeds: more threads than cores would only take turns.
        return os.cpu_count() or 2
    # Calls that wait on the network (DNS resolution, building TLS clients): about one per pipeline.
    from config.settings import get_settings

    return max(8, 2 * get_settings().worker_concurrency)


def executor(kind: ExecutorKind) -> ThreadPoolExecutor:
    """The process's executor for one kind of blocking work (threads start on first use)."""
    with _lock:
        found = _executors.get(kind)
        if found is None:
            found = ThreadPoolExecutor(max_workers=_executor_size(kind), thread_name_prefix=f"scribe-{kind}")
            _executors[kind] = found
        return found


async def in_thread[T](kind: ExecutorKind, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a blocking call on the executor for its kind of work, in the caller's context."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor(kind), call)


def _forget_after_fork() -> None:
    # A forked child (prefork pool) inherits the loop object but not its thread, possibly a held lock,
    # and executors whose threads did not survive the fork.
    global _loop, _lock, _executors
    _loop = None
    _lock = threading.Lock()
    _executors = {}


os.register_at_fork(after_in_child=_forget_after_fork)
