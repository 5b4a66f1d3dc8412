"""Progress of a sweep: one line per finished cell, with the time left, readable when cells finish out of order."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class CellProgress:
    """Prints ``bench recognition: 5/12 toy-mlp fold1 seed0 ok in 2.1 s; 7 to run, about 14 s left`` per cell.

    The time left is the wall time per cell finished so far in this run times the cells still to run, so it already
    accounts for cells running in parallel; resumed cells count as done and take no time.
    """

    def __init__(self, label: str, total: int, resumed: int, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done, self.enabled = label, total, resumed, enabled
        self.stream = stream or sys.stderr
        self.ran = 0
        self.start = time.perf_counter()
        if enabled and resumed:
            print(f"{label}: {resumed}/{total} cells resumed from earlier runs", file=self.stream, flush=True)

    def finished(self, cell: dict[str, Any]) -> None:
        """Count ``cell`` (a record just computed) and print its line."""
        self.done += 1
        self.ran += 1
        if not self.enabled:
            return
        left = self.total - self.done
        eta = (time.perf_counter() - self.start) / self.ran * left
        status = cell.get("status", "?") if cell.get("status") == "ok" else f"FAILED ({cell.get('error', {}).get('type', 'error')})"
        tail = f"; {left} to run, about {_duration(eta)} left" if left else "; all done"
        print(f"{self.label}: {self.done}/{self.total} {cell['method']} {cell['fold']} seed{cell['seed']} {status} "
              f"in {cell.get('wall_seconds', 0.0):.1f} s{tail}", file=self.stream, flush=True)  # fmt: skip
