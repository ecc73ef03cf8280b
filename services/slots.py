"""Counted slots for long-lived work in this process (open streams, templates being written),
capped per user and overall, so one user or one burst cannot take every thread, connection or
provider call the process has.

Counts live in the process: with one API process per machine (the Pi's deployment) they are exact;
with several, each process enforces its own caps.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable


class UserAtCap(Exception):
    """The user already holds all of their slots."""


class AllInUse(Exception):
    """Every slot of the process is taken."""


class Slots:
    def __init__(
        self, *, per_user: Callable[[], int], overall: Callable[[], int | None] = lambda: None
    ) -> None:
        # Caps are read at each take, so a settings change (or a test) applies at once.
        self._per_user = per_user
        self._overall = overall
        self._held: dict[uuid.UUID, int] = defaultdict(int)
        self._total = 0
        self._lock = threading.Lock()

    def take(self, user_id: uuid.UUID) -> Callable[[], None]:
        """Hold one slot for the user; returns the function that frees it (safe to call twice)."""
        with self._lock:
            if self._held[user_id] >= self._per_user():
                if not self._held[user_id]:
                    del self._held[user_id]
                raise UserAtCap()
            overall = self._overall()
            if overall is not None and self._total >= overall:
                if not self._held[user_id]:
                    del self._held[user_id]
                raise AllInUse()
            self._held[user_id] += 1
            self._total += 1
        freed = False

        def free() -> None:
            nonlocal freed
            with self._lock:
                if freed:
                    return
                freed = True
                self._total -= 1
                self._held[user_id] -= 1
                if not self._held[user_id]:
                    del self._held[user_id]

        return free

    def held(self, user_id: uuid.UUID | None = None) -> int:
        """Slots held by one user, or by everyone."""
        with self._lock:
            return self._total if user_id is None else self._held.get(user_id, 0)
