"""The production worker command under a profiler, from `worker_ready` to shutdown (bench only).

    python tests/bench/profiled.py cprofile|sample OUT -A celery_config.celery_app worker ...

stands for `python -m celery -A ... worker ...`; the Scribe tree is the working directory (this
tree or a baseline's), so nothing in Scribe knows about profiling. Start-up (imports, agents built
by the worker's warm-up) is left out: only what the worker does while it serves is counted.

Two profilers, one per run (each would count the other's work):
- `cprofile`: cProfile, timed by the process's CPU clock (a thread waiting in epoll or on a lock counts for
  nothing), gives each function's own time, C functions included. Since Python 3.12 cProfile sees
  every thread (sys.monitoring) but on one shared call stack, so a function's cumulative time also
  collects whatever other threads ran while it waited: its cumulative column is not used.
- `sample`: a sampler gives cumulative time per thread: every SAMPLE_SECONDS it reads each thread's CPU ticks
  (/proc/self/task/TID/stat) and charges the ticks a thread used since the last sample to every
  function on that thread's Python stack (sys._current_frames); OUT is JSON. Its own thread is
  not counted. Python frames only (a C function's time is its caller's own time here).
"""

from __future__ import annotations

import cProfile
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

SAMPLE_SECONDS = 0.01

type Key = tuple[str, int, str]


def _ticks(native_id: int) -> int:
    try:
        raw = Path(f"/proc/self/task/{native_id}/stat").read_text()
    except OSError:
        return 0
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def _stack(frame: FrameType | None) -> list[Key]:
    keys = []
    while frame is not None:
        code = frame.f_code
        keys.append((code.co_filename, code.co_firstlineno, code.co_name))
        frame = frame.f_back
    return keys


class Sampler:
    """CPU ticks per function on each thread's stack: own (innermost frame) and cumulative."""

    def __init__(self) -> None:
        self.own: Counter[Key] = Counter()
        self.cumulative: Counter[Key] = Counter()
        self.stacks: Counter[tuple[Key, ...]] = Counter()  # whole stacks, innermost first
        self.ticks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._last: dict[int, int] = {}

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(SAMPLE_SECONDS):
            threads = [t for t in threading.enumerate() if t.ident != me and t.native_id is not None]
            frames = sys._current_frames()
            for thread in threads:
                assert thread.native_id is not None
                ticks = _ticks(thread.native_id)
                used = ticks - self._last.get(thread.native_id, ticks)
                self._last[thread.native_id] = ticks
                if used <= 0 or thread.ident not in frames:
                    continue
                stack = _stack(frames[thread.ident])
                if not stack:
                    continue
                self.ticks += used
                self.own[stack[0]] += used
                self.stacks[tuple(stack)] += used
                for key in set(stack):
                    self.cumulative[key] += used

    def stop(self, out: Path) -> None:
        self._stop.set()
        self._thread.join()
        tick = 1 / os.sysconf("SC_CLK_TCK")

        def rows(counter: Counter[Key]) -> list[list[Any]]:
            return [[*key, n * tick] for key, n in counter.most_common()]

        # "stacks": flame-graph input (frames outermost first, `file:line(function)`, `;`-joined).
        stacks = {
            ";".join(f"{f}:{line}({name})" for f, line, name in reversed(stack)): n * tick
            for stack, n in self.stacks.most_common()
        }
        body = {
            "seconds": self.ticks * tick,
            "own": rows(self.own),
            "cumulative": rows(self.cumulative),
            "stacks": stacks,
        }
        out.write_text(json.dumps(body))


def main() -> None:
    mode, out = sys.argv[1], Path(sys.argv[2])
    sys.argv = ["celery", *sys.argv[3:]]
    sys.path[0] = os.getcwd()  # the tree being run, not tests/bench (whose modules would shadow others)

    from celery.signals import worker_ready, worker_shutting_down

    if mode == "cprofile":
        profiler = cProfile.Profile(time.process_time)

        def start(**_: Any) -> None:
            profiler.enable()

        def stop(**_: Any) -> None:
            profiler.disable()
            profiler.dump_stats(out)

    else:
        sampler = Sampler()

        def start(**_: Any) -> None:
            sampler.start()

        def stop(**_: Any) -> None:
            sampler.stop(out)

    worker_ready.connect(start, weak=False)
    worker_shutting_down.connect(stop, weak=False)
    from celery.__main__ import main as celery

    celery()


if __name__ == "__main__":
    main()
