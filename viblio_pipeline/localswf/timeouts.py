"""A scheduler thread that fires deadlines on time, without any client call.

Entries are (absolute epoch time, key). They are hints, not truth: when one
fires, the engine re-checks the persisted state and either applies the
timeout, re-arms a later deadline (e.g. after heartbeats) or ignores it. So
after a restart the engine simply re-arms every deadline found in its state.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)


COMPACT_AT = 100_000


class Scheduler:
    """`live(key)` tells stale entries (closed runs, finished tasks) apart when the heap is compacted."""

    def __init__(self, fire: Callable[[Hashable], None], live: Callable[[Hashable], bool] | None = None) -> None:
        self._fire = fire
        self._live = live
        self._compact_at = COMPACT_AT
        self._heap: list[tuple[float, int, Hashable]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="swf-timeouts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def at(self, when: float, key: Hashable) -> None:
        """Arm a deadline. Callers hold the engine lock, so `live` may read engine state."""
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), key))
            if len(self._heap) > self._compact_at and self._live is not None:
                # Entries of closed runs and finished tasks stay until they fall due (a
                # day-long workflow timeout, say); drop them before they pile up.
                live = self._live
                self._heap = [entry for entry in self._heap if live(entry[2])]
                heapq.heapify(self._heap)
                self._compact_at = max(COMPACT_AT, 2 * len(self._heap))
            if self._heap and self._heap[0][2] is key:
                self._cond.notify()

    def __len__(self) -> int:
        with self._cond:
            return len(self._heap)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._heap:
                        delay = self._heap[0][0] - time.time()
                        if delay <= 0:
                            break
                        self._cond.wait(delay)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                _, _, key = heapq.heappop(self._heap)
            try:
                self._fire(key)
            except Exception:  # one bad deadline must not stop the clock
                log.exception("localswf: timeout handler failed for %r", key)
