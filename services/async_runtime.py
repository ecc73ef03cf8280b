"""One event loop per worker process, shared by every task thread.

Celery tasks are synchronous; the pipeline is async. Running each task with `asyncio.run`
would build a new loop (and new HTTP connection pools) per email and, in a threads pool,
one loop per thread. Instead every task submits its coroutine to this process's loop, so
eight pipelines in flight share one loop, one set of connection pools and one set of agents:
the I/O-bound work overlaps while the Pi's two slow cores stay mostly idle.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


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


def _forget_after_fork() -> None:
    # A forked child (prefork pool) inherits the loop object but not its thread, and possibly a held lock.
    global _loop, _lock
    _loop = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
