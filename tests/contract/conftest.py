"""Test order for the run: modules that use the session's celery worker go last.

Once started, the worker consumes every queued item until the run ends, while many tests
(API, queue, limits) assume what they queue stays pending. The worker tests used to be last
by name alone (`tests/worker`); the contract and isolation tests need the worker too, so the
order is made explicit. Whole modules move, so module-scoped fixtures stay contiguous.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    with_worker = {item.path for item in items if "worker" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: item.path in with_worker)
