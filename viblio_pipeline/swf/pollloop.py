"""What the decider and the activity worker share: poll until asked to stop.

Transient errors (network, throttling, 5xx) back off and poll again; an empty
poll is normal. Anything else ends the loop with a clear log line, so that
supervisord restarts the process and the operator sees why.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from viblio_pipeline.swf.client import error_code
from viblio_pipeline.swf.stopping import StopController

log = logging.getLogger(__name__)

TRANSIENT_CODES = {"ThrottlingException", "InternalFailure", "ServiceUnavailable", "RequestTimeout"}


def default_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, BotoConnectionError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return isinstance(exc, BotoCoreError)


class PollLoop:
    """Subclasses define poll_once() (None when nothing came) and handle(task)."""

    max_backoff = 30.0

    def __init__(self, stop: StopController) -> None:
        self.stop = stop
        self.handled = 0

    def poll_once(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def handle(self, task: dict[str, Any]) -> None:
        raise NotImplementedError

    def run(self, max_tasks: int | None = None) -> int:
        """Poll and handle until stopped (or max_tasks handled); the exit code."""
        backoff = 0.5
        while not self.stop.requested.is_set():
            try:
                task = self.poll_once()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("poll failed (%s), retrying in %.1f s", exc, backoff)
                self.stop.requested.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.5
            if task is None:
                continue
            self.handle(task)
            self.handled += 1
            if self.stop.aborted:
                return 1
            if max_tasks is not None and self.handled >= max_tasks:
                break
        return 0


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
