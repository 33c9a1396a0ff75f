"""The AWS JSON 1.0 wire protocol: a lean HTTP/1.1 server on the stdlib socketserver.

One thread per connection, so many long polls can wait at once; keep-alive so
boto3's connection pool is reused. Requests are parsed by hand (request line,
headers, Content-Length body) and each response leaves in a single write:
the stdlib's http.server spends more CPU per request than the SWF engine
itself, and it is on every call's path.
"""

from __future__ import annotations

import json
import logging
import select
import socket
import socketserver
import threading
import uuid
from email.utils import formatdate
from typing import Any, Protocol

from viblio_pipeline.localswf.faults import (
    InternalFailure,
    SerializationException,
    SwfError,
    UnknownOperationException,
    ValidationException,
)
from viblio_pipeline.localswf.polling import set_liveness
from viblio_pipeline.localswf.state import RawJson

log = logging.getLogger(__name__)

TARGET_PREFIXES = ("SimpleWorkflowService.", "com.amazonaws.swf.service.model.SimpleWorkflowService.")
MAX_REQUEST_BYTES = 1024 * 1024
MAX_LINE = 65_536
MAX_HEADERS = 100
CONTENT_TYPE = "application/x-amz-json-1.0"
REASONS = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 413: "Payload Too Large",
           500: "Internal Server Error"}
HEALTH = b'{"status":"ok","service":"localswf"}'


class Dispatcher(Protocol):
    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | RawJson | None: ...

    def has_operation(self, operation: str) -> bool: ...


class BadRequest(Exception):
    """Malformed HTTP: answer 400 and close the connection."""


class SwfHttpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.inflight = 0
        self.idle = threading.Condition()
        super().__init__(address, SwfRequestHandler)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered (shutdown drains released long polls)."""
        with self.idle:
            return self.idle.wait_for(lambda: self.inflight == 0, timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("localswf: connection from %s failed", client_address)


class SwfRequestHandler(socketserver.StreamRequestHandler):
    server: SwfHttpServer
    # Without TCP_NODELAY, Nagle plus the client's delayed ACK can add ~40 ms.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        try:
            while self._one_request():
                pass
        except BadRequest as exc:
            self._send(400, json.dumps({"__type": "com.amazon.coral.service#BadRequest",
                                        "message": str(exc)}).encode(), keep_alive=False)
        except (ConnectionError, TimeoutError):
            pass

    def _one_request(self) -> bool:
        """Serve one request; False when the connection should close."""
        line = self.rfile.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):
            line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        parts = line.split()
        if len(parts) != 3 or len(line) > MAX_LINE:
            raise BadRequest("Malformed request line")
        method, _, version = parts
        headers: dict[bytes, bytes] = {}
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = raw.partition(b":")
            if not sep or len(headers) >= MAX_HEADERS:
                raise BadRequest("Malformed header")
            headers[name.strip().lower()] = value.strip()
        if b"transfer-encoding" in headers:
            raise BadRequest("Chunked request bodies are not supported; send Content-Length")
        try:
            length = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            raise BadRequest("Bad Content-Length") from None
        connection = headers.get(b"connection", b"").lower()
        keep_alive = connection != b"close" if version == b"HTTP/1.1" else connection == b"keep-alive"
        if headers.get(b"expect", b"").lower() == b"100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            return False
        if method == b"GET":
            self._send(200, HEALTH, keep_alive)
        elif method == b"POST":
            target = headers.get(b"x-amz-target", b"").decode("latin-1")
            status, payload = self._answer(target, body)
            self._send(status, payload, keep_alive)
        else:
            self._send(405, b"", keep_alive)
        return keep_alive

    def _answer(self, target: str, raw: bytes) -> tuple[int, bytes]:
        with self.server.idle:
            self.server.inflight += 1
        try:
            try:
                body = self._dispatch(target, raw)
            except SwfError as exc:
                return exc.status, json.dumps(exc.body()).encode()
            except Exception:  # every crash becomes an InternalFailure answer
                log.exception("localswf: internal failure")
                err = InternalFailure("Internal failure")
                return err.status, json.dumps(err.body()).encode()
            if body is None:
                return 200, b""
            if isinstance(body, RawJson):
                return 200, body.text.encode()
            return 200, json.dumps(body, separators=(",", ":")).encode()
        finally:
            with self.server.idle:
                self.server.inflight -= 1
                self.server.idle.notify_all()

    def _dispatch(self, target: str, raw: bytes) -> dict[str, Any] | RawJson | None:
        if len(raw) > MAX_REQUEST_BYTES:
            raise ValidationException(f"Request size {len(raw)} exceeds the limit of {MAX_REQUEST_BYTES} bytes")
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
        if operation.startswith("PollFor"):
            set_liveness(self._connected)
        try:
            return self.server.dispatcher.call(operation, params)
        finally:
            set_liveness(None)

    def _connected(self) -> bool:
        """False once the client closed its end (a readable socket with nothing to read)."""
        sock = self.request
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return not readable or sock.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def _send(self, status: int, payload: bytes, keep_alive: bool) -> None:
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: {CONTENT_TYPE}\r\n"
            f"Content-Length: {len(payload)}\r\n"
            f"x-amzn-RequestId: {uuid.uuid4()}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\n"
            + ("" if keep_alive else "Connection: close\r\n")
            + "\r\n"
        )
        self.wfile.write(head.encode("latin-1") + payload)
