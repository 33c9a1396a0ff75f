"""The AWS JSON 1.0 wire protocol over the stdlib threading HTTP server.

One thread per connection, so many long polls can wait at once; HTTP/1.1
keep-alive so boto3's connection pool is reused.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from viblio_pipeline.localswf.faults import (
    InternalFailure,
    SerializationException,
    SwfError,
    UnknownOperationException,
    ValidationException,
)
from viblio_pipeline.localswf.state import RawJson

log = logging.getLogger(__name__)

TARGET_PREFIXES = ("SimpleWorkflowService.", "com.amazonaws.swf.service.model.SimpleWorkflowService.")
MAX_REQUEST_BYTES = 1024 * 1024
CONTENT_TYPE = "application/x-amz-json-1.0"


class Dispatcher(Protocol):
    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | RawJson | None: ...

    def has_operation(self, operation: str) -> bool: ...


class SwfHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.inflight = 0
        self.idle = threading.Condition()
        super().__init__(address, SwfRequestHandler)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered (shutdown drains released long polls)."""
        with self.idle:
            return self.idle.wait_for(lambda: self.inflight == 0, timeout)


class SwfRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without TCP_NODELAY, Nagle
    # plus the client's delayed ACK would add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: SwfHttpServer
    server_version = "localswf"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("localswf http: " + format, *args)

    def do_GET(self) -> None:
        """A liveness probe for operators and supervisors."""
        self._send(200, b'{"status":"ok","service":"localswf"}')

    def do_POST(self) -> None:
        with self.server.idle:
            self.server.inflight += 1
        try:
            self._answer()
        finally:
            with self.server.idle:
                self.server.inflight -= 1
                self.server.idle.notify_all()

    def _answer(self) -> None:
        try:
            status, body = 200, self._handle()
        except SwfError as exc:
            status, body = exc.status, exc.body()
        except Exception:  # every crash becomes an InternalFailure answer
            log.exception("localswf: internal failure")
            err = InternalFailure("Internal failure")
            status, body = err.status, err.body()
        if body is None:
            payload = b""
        elif isinstance(body, RawJson):
            payload = body.text.encode()
        else:
            payload = json.dumps(body, separators=(",", ":")).encode()
        self._send(status, payload)

    def _handle(self) -> dict[str, Any] | RawJson | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.rfile.read(length)
            raise ValidationException(f"Request size {length} exceeds the limit of {MAX_REQUEST_BYTES} bytes")
        raw = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target") or ""
        operation = ""
        for prefix in TARGET_PREFIXES:
            if target.startswith(prefix):
                operation = target[len(prefix):]
        if not operation or not self.server.dispatcher.has_operation(operation):
            raise UnknownOperationException(f"Unknown operation: {target or '(no X-Amz-Target)'}")
        try:
            params = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise SerializationException("Request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise SerializationException("Request body must be a JSON object")
        return self.server.dispatcher.call(operation, params)

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)
