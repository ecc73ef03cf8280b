"""Process measurements from /proc: resident memory and CPU time of a process tree."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces; the fields after the last ')' are fixed.
    return raw[raw.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """The root and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of the processes (a child's time counts while it lives)."""
    total = 0.0
    for pid in pids:
        if fields := _stat(pid):
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


class PeakRss:
    """Samples the RSS of named process trees in the background: `.peak` is the highest summed RSS
    seen in one sample, `.peaks` each tree's own highest (bytes; they need not be simultaneous)."""

    def __init__(self, roots: Mapping[str, int], every: float = 0.2) -> None:
        self.roots = dict(roots)
        self.every = every
        self.peak = 0
        self.peaks = dict.fromkeys(self.roots, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        sizes = {name: rss_bytes(tree(root)) for name, root in self.roots.items()}
        self.peak = max(self.peak, sum(sizes.values()))
        for name, size in sizes.items():
            self.peaks[name] = max(self.peaks[name], size)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def tree_cpu(roots: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds of each named process tree so far."""
    return {name: cpu_seconds(tree(root)) for name, root in roots.items()}
