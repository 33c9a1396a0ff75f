"""The notify stage: media complete, best picture chosen, signed webhook sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from viblio_pipeline.activities.base import ActivityContext, ActivityError
from viblio_pipeline.activities.notify import handle
from viblio_pipeline.catalog import Face, close_catalogs

SECRET = "hook-secret"
SUMMARY = {"upload": {"status": "completed", "attempts": 1}, "previews": {"status": "completed", "attempts": 2}}
ContextFactory = Callable[..., ActivityContext]


class WebApp(ThreadingHTTPServer):
    """A stand-in web application that checks the signature like the real one must."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, Any]] = []
        self.answer = 200
        self.delay = 0.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client gave up (the timeout test): nothing to report

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/mq/workflow_complete"


class _Handler(BaseHTTPRequestHandler):
    server: WebApp

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(self.headers.get("X-Viblio-Signature", ""), expected)
        time.sleep(self.server.delay)
        status = self.server.answer if signed else 401
        if signed:
            self.server.received.append(json.loads(body))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webapp() -> Iterator[WebApp]:
    server = WebApp()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def make_ctx(conf_dir: Path, tmp_path: Path) -> Iterator[ContextFactory]:
    from viblio_pipeline.config import load_config

    def build(**environ: str) -> ActivityContext:
        config = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path), **environ})
        ctx = ActivityContext(config=config, stage="notify", workflow_id="media-m1")
        ctx.catalog.create_media("m1", "u1")
        for status in ("processing", "visible"):
            ctx.catalog.set_media_status("m1", status)
        return ctx

    yield build
    close_catalogs()


@pytest.fixture
def ctx(make_ctx: ContextFactory) -> ActivityContext:
    return make_ctx()


def hooked(make_ctx: ContextFactory, webapp: WebApp, secret: str = SECRET, **extra: str) -> ActivityContext:
    return make_ctx(VIBLIO__MEDIA__NOTIFY__WEBHOOK_URL=webapp.url, VIBLIO_WEBHOOK_SECRET=secret, **extra)


def payload(**results: Any) -> dict[str, Any]:
    return {"media_uuid": "m1", "user_uuid": "u1", "summary": SUMMARY, "results": results}


def add_faces(ctx: ActivityContext, *faces: tuple[int, float, str]) -> None:
    with ctx.catalog.session() as session:
        for track, confidence, review in faces:
            session.add(Face(media_uuid="m1", user_uuid="u1", track_index=track, confidence=confidence,
                             crop_uri=f"file:///faces/track-{track}.jpg", review_status=review))


POSTER = {"previews": {"poster": {"uri": "file:///previews/poster.jpg"}}}


def test_media_becomes_complete_with_the_workflow_summary(ctx: ActivityContext) -> None:
    result = handle(ctx, payload(**POSTER))
    media = ctx.catalog.get_media("m1")
    assert (media.status, media.summary) == ("complete", SUMMARY)
    assert result["status"] == "complete" and result["webhook"] == "not configured"


def test_the_most_confident_real_face_is_the_picture(ctx: ActivityContext) -> None:
    add_faces(ctx, (0, 0.71, "none"), (1, 0.99, "not_a_face"), (2, 0.93, "answered"))
    result = handle(ctx, payload(**POSTER))
    assert (result["picture_uri"], result["picture_source"]) == ("file:///faces/track-2.jpg", "face")
    assert ctx.catalog.get_media("m1").picture_uri == "file:///faces/track-2.jpg"


def test_without_faces_the_poster_from_previews_is_the_picture(ctx: ActivityContext) -> None:
    result = handle(ctx, payload(**POSTER))
    assert (result["picture_uri"], result["picture_source"]) == ("file:///previews/poster.jpg", "poster")


def test_without_a_previews_result_the_poster_asset_is_the_picture(ctx: ActivityContext) -> None:
    ctx.catalog.add_asset("m1", "poster", "file:///assets/poster.jpg", "image/jpeg", 100)
    assert handle(ctx, payload())["picture_uri"] == "file:///assets/poster.jpg"


def test_with_neither_faces_nor_poster_there_is_no_picture(ctx: ActivityContext) -> None:
    result = handle(ctx, payload())
    assert (result["picture_uri"], result["picture_source"]) == (None, "none")


def test_a_retried_notify_of_a_complete_media_succeeds_again(ctx: ActivityContext) -> None:
    first = handle(ctx, payload(**POSTER))
    assert handle(ctx, payload(**POSTER)) == first


def test_a_media_not_yet_visible_is_a_final_failure(ctx: ActivityContext) -> None:
    ctx.catalog.set_media_status("m1", "failed", error="transcode failed")
    with pytest.raises(ActivityError, match="from 'failed' to 'complete'") as caught:
        handle(ctx, payload())
    assert caught.value.retry is False


@pytest.mark.timeout(30)
def test_the_webhook_gets_a_signed_json_body(make_ctx: ContextFactory, webapp: WebApp) -> None:
    ctx = hooked(make_ctx, webapp)
    add_faces(ctx, (0, 0.8, "none"))
    result = handle(ctx, payload(**POSTER))
    assert result["webhook"] == {"status": 200}
    [body] = webapp.received
    assert body == {"event": "media.complete", "media_uuid": "m1", "user_uuid": "u1", "status": "complete",
                    "picture_uri": "file:///faces/track-0.jpg", "duplicate_of": None,
                    "workflow_id": "media-m1", "summary": SUMMARY}


@pytest.mark.timeout(30)
def test_a_wrongly_signed_call_is_rejected_and_not_retried(make_ctx: ContextFactory, webapp: WebApp) -> None:
    ctx = hooked(make_ctx, webapp, secret="not-the-secret")
    with pytest.raises(ActivityError, match="HTTP 401") as caught:
        handle(ctx, payload())
    assert caught.value.retry is False and webapp.received == []


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("answer", "retry"), [(503, True), (500, True), (429, True), (408, True),
                                               (404, False), (400, False)])
def test_a_failed_call_is_retryable_unless_the_request_itself_is_wrong(
        make_ctx: ContextFactory, webapp: WebApp, answer: int, retry: bool) -> None:
    ctx = hooked(make_ctx, webapp)
    webapp.answer = answer
    with pytest.raises(ActivityError, match=f"HTTP {answer}") as caught:
        handle(ctx, payload())
    assert (caught.value.code, caught.value.retry) == ("webhook_rejected", retry)
    assert ctx.catalog.get_media("m1").status == "complete"  # the catalog is written first


@pytest.mark.timeout(30)
def test_an_unreachable_web_app_is_retryable(make_ctx: ContextFactory, free_port: int) -> None:
    ctx = make_ctx(VIBLIO__MEDIA__NOTIFY__WEBHOOK_URL=f"http://127.0.0.1:{free_port}/hook",
                   VIBLIO_WEBHOOK_SECRET=SECRET)
    with pytest.raises(ActivityError, match="ConnectionError") as caught:
        handle(ctx, payload())
    assert (caught.value.code, caught.value.retry) == ("webhook_unreachable", True)


@pytest.mark.timeout(30)
def test_a_slow_web_app_times_out_as_configured_and_is_retryable(make_ctx: ContextFactory,
                                                                 webapp: WebApp) -> None:
    ctx = hooked(make_ctx, webapp, VIBLIO__MEDIA__NOTIFY__TIMEOUT="0.3")
    webapp.delay = 1.5
    started = time.monotonic()
    with pytest.raises(ActivityError, match="Timeout") as caught:
        handle(ctx, payload())
    assert caught.value.retry is True and time.monotonic() - started < 1.4


def test_a_webhook_without_its_secret_is_a_final_failure(make_ctx: ContextFactory) -> None:
    ctx = make_ctx(VIBLIO__MEDIA__NOTIFY__WEBHOOK_URL="http://127.0.0.1:9/hook")
    with pytest.raises(ActivityError, match="VIBLIO_WEBHOOK_SECRET") as caught:
        handle(ctx, payload())
    assert caught.value.retry is False
