"""Run the embedded SWF service: engine + HTTP front end + clean shutdown."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from viblio_pipeline.localswf.decisions import respond_decision_task_completed
from viblio_pipeline.localswf.engine import Engine
from viblio_pipeline.localswf.faults import InternalFailure
from viblio_pipeline.localswf.ops import Operations
from viblio_pipeline.localswf.protocol import SwfHttpServer
from viblio_pipeline.localswf.state import RawJson
from viblio_pipeline.localswf.validation import operation_names, validate

log = logging.getLogger(__name__)


class SwfService:
    """Validates a request, runs its handler under the engine lock, persists, answers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ops = Operations(engine)
        self.table: dict[str, Callable[[dict[str, Any]], Any]] = {}
        for name in operation_names():
            if name != "RespondDecisionTaskCompleted":
                self.table[name] = getattr(ops, name)

        def respond(params: dict[str, Any]) -> None:
            respond_decision_task_completed(ops, params)

        self.table["RespondDecisionTaskCompleted"] = respond
        self.closed = False

    def has_operation(self, operation: str) -> bool:
        return operation in self.table

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | RawJson | None:
        validate(operation, params)
        handler = self.table[operation]
        with self.engine.lock:
            if self.closed:
                raise InternalFailure("Service is shutting down")
            try:
                result: dict[str, Any] | RawJson | None = handler(params)
            finally:
                self.engine.flush()
        return result

    def stop_accepting(self) -> None:
        """Refuse new calls and release every waiting long poll (it answers empty)."""
        with self.engine.lock:
            self.closed = True
            self.engine.decision_lists.wake_all()
            self.engine.activity_lists.wake_all()


class LocalSwf:
    """A running service; `serve_forever()` blocks until `shutdown()`."""

    def __init__(self, host: str, port: int, db_path: str | Path, poll_timeout: float) -> None:
        self.engine = Engine(db_path, poll_timeout=poll_timeout)
        self.service = SwfService(self.engine)
        self.httpd = SwfHttpServer((host, port), self.service)
        self._stopping = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        self.engine.start()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.service.stop_accepting()
            if not self.httpd.wait_idle(timeout=10):
                log.warning("localswf: requests still in flight at shutdown")
            self.engine.close()
            self.httpd.server_close()

    def shutdown(self) -> None:
        """Stop accepting requests; safe to call from any thread but the serving one."""
        if not self._stopping.is_set():
            self._stopping.set()
            self.httpd.shutdown()


def serve(host: str, port: int, db_path: str | Path, poll_timeout: float = 60.0,
          announce: Callable[[str], None] | None = None) -> None:
    """Run in the foreground until SIGTERM or SIGINT; both shut down cleanly."""
    app = LocalSwf(host, port, db_path, poll_timeout)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("localswf: signal %d, shutting down", signum)
        threading.Thread(target=app.shutdown, name="swf-shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bound_host, bound_port = app.address
    message = f"localswf listening on http://{bound_host}:{bound_port} (db {db_path})"
    if announce is not None:
        announce(message)
    else:
        print(message, file=sys.stdout, flush=True)
    app.serve_forever()
    log.info("localswf: stopped")
