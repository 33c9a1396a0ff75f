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


class Scheduler:
    def __init__(self, fire: Callable[[Hashable], None]) -> None:
        self._fire = fire
        self._heap: list[tuple[float, int, Hashable]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="swf-timeouts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def at(self, when: float, key: Hashable) -> None:
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), key))
            if self._heap[0][2] is key:
                self._cond.notify()

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
