"""Shipping events to Loggly without ever blocking or hanging the process.

loggly-python-handler posts through a module-level FuturesSession with no
timeout (its executor threads are joined at exit, so a silent endpoint hangs
shutdown) and logs through urllib3, which can feed its own records back into
itself. Here the caller only formats and drops the line into a bounded queue;
one daemon thread posts with a timeout; exit drains for a bounded time.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading
from typing import Final

import requests
from loggly.handlers import HTTPSHandler

_STOP: Final = object()
_OWN_LOGGERS = ("urllib3", "requests", "loggly", "requests_futures", "charset_normalizer")


class TimeoutHTTPSHandler(HTTPSHandler):  # type: ignore[misc]
    """The Loggly handler, posting synchronously with a request timeout."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(url)
        self.timeout = timeout
        self.session = requests.Session()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.session.post(self.url, data=record.getMessage().encode("utf-8"), timeout=self.timeout,
                              headers={"content-type": "application/json"})
        except requests.RequestException:
            pass  # logging must never take the worker down; stdout has the event


class LogglyShipper(logging.Handler):
    """A bounded, non-blocking handler in front of TimeoutHTTPSHandler."""

    def __init__(self, url: str, queue_size: int, timeout: float, drain_seconds: float) -> None:
        super().__init__()
        self.target = TimeoutHTTPSHandler(url, timeout)
        self.queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self.drain_seconds = drain_seconds
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="loggly-shipper", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in _OWN_LOGGERS:
            return False
        if threading.get_ident() == self._thread.ident:
            return False
        return super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)  # in the caller's thread: its bound context applies
        except Exception:  # noqa: BLE001
            self.handleError(record)
            return
        try:
            self.queue.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            record = logging.LogRecord("loggly", logging.INFO, "", 0, str(item), None, None)
            self.target.emit(record)

    def close(self) -> None:
        """Stop after what is queued has been sent, waiting drain_seconds at most."""
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self.queue.put(_STOP, timeout=self.drain_seconds)
            self._thread.join(self.drain_seconds)
        atexit.unregister(self.close)
        super().close()
