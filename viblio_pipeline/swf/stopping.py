"""Warm then cold shutdown, as rq does it.

The first SIGTERM/SIGINT stops polling; the task in hand finishes (still
heartbeating) and is answered. A second one interrupts the task in hand, which
is then failed as retryable, and the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)


class AbortTask(BaseException):
    """Raised inside the task in hand by the second stop signal."""


class StopController:
    """Tracks stop requests; install() hooks it to SIGTERM and SIGINT."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.signals = 0
        self._in_task = False
        self._aborted = False

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def request(self) -> None:
        self.requested.set()

    @property
    def aborted(self) -> bool:
        return self._aborted

    @contextmanager
    def task_in_hand(self) -> Iterator[None]:
        """While inside, a second signal interrupts the running code with AbortTask."""
        self._in_task = True
        try:
            yield
        finally:
            self._in_task = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        if self.signals == 1:
            log.info("%s received: finishing the task in hand, then exiting (again to abort it)", name)
            self.requested.set()
            return
        self._aborted = True
        if self._in_task:
            log.warning("%s received again: aborting the task in hand", name)
            raise AbortTask(name)
        log.warning("%s received again: exiting now", name)
        raise SystemExit(1)
