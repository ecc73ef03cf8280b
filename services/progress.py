"""A running item's step progress on its queue row, for the status route and the live streams.

The runner reports each step's start and end. Written one by one that was eight transactions and
eight change notices per email, and half of them were replaced within milliseconds: a step's end
by the next step's start, one research step's start by the other's, the composer's end by the
completion. So a write waits SETTLE_SECONDS after the first report of a moment and then writes the
latest state: every state that lasts is written, in order; a state replaced within the moment is
not, and loses nothing, since each state carries the timings of every step finished so far.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from database.engine import session_scope
from pipeline.models import ProgressEvent
from services import async_runtime, queue

log = logging.getLogger(__name__)

# Long enough to take in a step's end and the next steps' starts (the same few loop turns), short
# enough that no one watching can tell.
SETTLE_SECONDS = 0.05

Write = Callable[[uuid.UUID, ProgressEvent], None]


def write_progress(item_id: uuid.UUID, event: ProgressEvent) -> None:
    """Progress is advisory: a database blip must not kill a running pipeline."""
    try:
        with session_scope() as session:
            queue.record_progress(
                session=session,
                item_id=item_id,
                step=event.step,
                step_status=event.status,
                step_timings=dict(event.step_timings),
            )
    except SQLAlchemyError as exc:
        log.warning("could not record progress for %s: %s", item_id, type(exc).__name__)


class ProgressWriter:
    """One item's progress: `report` is the runner's callback; `close` ends it before the outcome."""

    def __init__(self, item_id: uuid.UUID, write: Write = write_progress) -> None:
        self._item_id = item_id
        self._write = write
        self._latest: ProgressEvent | None = None
        self._writer: asyncio.Task[None] | None = None
        self._settling = False

    def report(self, event: ProgressEvent) -> None:
        """Note the latest state; it is written after the moment settles (call on the event loop)."""
        self._latest = event
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_latest())

    async def _write_latest(self) -> None:
        try:
            while self._latest is not None:
                self._settling = True
                await asyncio.sleep(SETTLE_SECONDS)
                self._settling = False
                event, self._latest = self._latest, None
                if event is not None:
                    await async_runtime.in_thread("records", self._write, self._item_id, event)
        finally:
            self._settling = False
            self._writer = None

    async def close(self, *, write_pending: bool) -> None:
        """Finish before the item's outcome is written: a write under way completes; the state not yet
        written is written now with `write_pending` (a failure keeps its failed step on the row) and
        dropped without (the completion writes the final progress itself)."""
        pending, self._latest = self._latest, None
        writer = self._writer
        if writer is not None:
            if self._settling:
                writer.cancel()
            await asyncio.wait([writer])
        if write_pending and pending is not None:
            await async_runtime.in_thread("records", self._write, self._item_id, pending)
