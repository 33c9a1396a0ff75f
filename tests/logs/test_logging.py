"""JSON logging on stdout and the Loggly shipper's containment."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from viblio_pipeline.config import load_config
from viblio_pipeline.logs import bind, setup_logging, shutdown_logging

REPO = Path(__file__).resolve().parents[2]
CONTEXT = {"workflow_id": "media-m1", "run_id": "r1", "media_uuid": "m1", "user_uuid": "u1",
           "activity": "transcode", "attempt": 2, "duration_ms": 15}


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, silent: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.requests: list[tuple[str, bytes]] = []
        self.silent = silent
        self.release = threading.Event()


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.requests.append((self.path, body))
        if self.server.silent:
            self.server.release.wait(30)
            return
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def loggly_env(server: Recorder, level: str = "INFO") -> dict[str, str]:
    host, port = server.server_address[:2]
    return {
        "LOGGLY_TOKEN": "test-token",
        "VIBLIO__LOGGLY__URL": f"http://{host!s}:{port}/inputs/{{token}}/tag/{{tags}}/",
        "VIBLIO__LOGGLY__DRAIN_SECONDS": "2",
        "VIBLIO__LOGGLY__REQUEST_TIMEOUT": "1",
        "VIBLIO__LOGGING__LEVEL": level,
    }


def wait_for(predicate: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)


def test_stdout_events_are_json_with_identity_and_bound_context() -> None:
    stream = io.StringIO()
    setup_logging(load_config("local", REPO / "conf", environ={}), role="transcode", stream=stream)
    try:
        with bind(**CONTEXT):
            logging.getLogger("viblio.test").info("transcoded %s", "m1")
        logging.getLogger("viblio.test").warning("outside")
    finally:
        shutdown_logging()
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "transcoded m1" and inside["level"] == "INFO"
    assert inside["logger"] == "viblio.test" and inside["timestamp"].endswith("Z")
    assert {inside["env"], inside["role"]} == {"local", "transcode"}
    assert isinstance(inside["pid"], int) and inside["host"]
    assert {k: inside[k] for k in CONTEXT} == CONTEXT
    assert "workflow_id" not in outside


def test_loggly_receives_json_bodies_with_tags_in_the_path(recorder: Recorder) -> None:
    config = load_config("local", REPO / "conf", environ=loggly_env(recorder))
    setup_logging(config, role="decider", stream=io.StringIO())
    try:
        with bind(**CONTEXT):
            for n in range(3):
                logging.getLogger("viblio.test").info("event %d", n)
        wait_for(lambda: len(recorder.requests) >= 3)
    finally:
        shutdown_logging()
    assert len(recorder.requests) == 3
    for path, body in recorder.requests:
        assert path == "/inputs/test-token/tag/viblio-pipeline,local,decider/"
        event = json.loads(body)
        assert {k: event[k] for k in CONTEXT} == CONTEXT
        assert event["role"] == "decider"


def test_root_handler_at_debug_does_not_loop_on_urllib3_records(recorder: Recorder) -> None:
    config = load_config("local", REPO / "conf", environ=loggly_env(recorder, "DEBUG"))
    setup_logging(config, role="worker", debug=True, stream=io.StringIO())
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    try:
        logging.getLogger("viblio.test").debug("one event")
        wait_for(lambda: len(recorder.requests) >= 1)
        time.sleep(0.5)  # a loop would keep posting urllib3's own records
    finally:
        shutdown_logging()
    assert [json.loads(body)["message"] for _, body in recorder.requests] == ["one event"]


def test_silent_endpoint_does_not_keep_the_process_from_exiting() -> None:
    server = Recorder(silent=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script = textwrap.dedent(f"""
        import logging
        from pathlib import Path
        from viblio_pipeline.config import load_config
        from viblio_pipeline.logs import setup_logging
        setup_logging(load_config("local", Path({str(REPO / 'conf')!r})), role="worker")
        for n in range(50):
            logging.getLogger("x").info("event %d", n)
    """)
    env = {"PATH": "/usr/bin:/bin", **loggly_env(server)}
    try:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=30,
                                check=False)
        elapsed = time.monotonic() - started
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert elapsed < 8
    assert server.requests, "the shipper did try to post"


def test_full_queue_drops_instead_of_blocking() -> None:
    from viblio_pipeline.logs.loggly import LogglyShipper

    shipper = LogglyShipper("http://127.0.0.1:9/never", queue_size=2, timeout=0.2, drain_seconds=0.1)
    try:
        started = time.monotonic()
        for n in range(200):
            shipper.emit(logging.LogRecord("x", logging.INFO, "", 0, f"m{n}", None, None))
        assert time.monotonic() - started < 1
        assert shipper.dropped > 0
    finally:
        shipper.close()
