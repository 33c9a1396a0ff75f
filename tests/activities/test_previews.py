"""The previews stage on a real config, fed by a real transcode result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from viblio_pipeline.activities import load_handler
from viblio_pipeline.activities import transcode as transcode_stage
from viblio_pipeline.activities.base import ActivityContext, ActivityError
from viblio_pipeline.activities.previews import handle
from viblio_pipeline.catalog import close_catalogs
from viblio_pipeline.config import load_config
from viblio_pipeline.media.samples import make_clip
from viblio_pipeline.storage import media_key

pytestmark = pytest.mark.timeout(90)
USER = "user-1"
SMALL = """
media:
  transcode: {preset: ultrafast, stall_seconds: 20}
  previews: {poster_width: 200, thumbnail_width: 96, animated_width: 128, animated_seconds: 1, animated_fps: 8}
"""


@pytest.fixture(scope="module")
def black_opening(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.2 s of black, then 0.8 s of moving pattern: a naive first-frame poster is black."""
    return make_clip(tmp_path_factory.mktemp("clips") / "black_opening.mp4", width=320, height=240,
                     black_lead=1.2, duration=0.8)


@pytest.fixture
def ctx(conf_dir: Path, tmp_path: Path, scratch: Path) -> Iterator[ActivityContext]:
    local = conf_dir / "local.yaml"
    local.write_text(local.read_text() + SMALL)
    config = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path / "root")})
    yield ActivityContext(config=config, stage="previews")
    close_catalogs()


def transcoded(ctx: ActivityContext, media: str, source: Path) -> dict[str, Any]:
    """The payload previews receives once upload and transcode have run for source."""
    ctx.catalog.create_media(media, USER)
    ctx.catalog.set_media_status(media, "processing")
    key = media_key(USER, media, "original.mp4")
    ctx.store.put_file(key, source, "video/mp4")
    payload: dict[str, Any] = {"media_uuid": media, "user_uuid": USER, "results": {"upload": {"key": key}}}
    payload["results"]["transcode"] = transcode_stage.handle(ctx, payload)
    return payload


def test_poster_thumbnail_and_animation_are_stored_and_recorded(
    ctx: ActivityContext, black_opening: Path, scratch: Path
) -> None:
    result = handle(ctx, transcoded(ctx, "m1", black_opening))

    prefix = "users/user-1/media/m1/previews/"
    assert [result[k]["key"] for k in ("poster", "thumbnail", "animated")] == [
        prefix + "poster.jpg", prefix + "thumbnail.jpg", prefix + "animated.webp"]
    assets = {a.kind: a for a in ctx.catalog.get_media("m1").assets}
    for kind, mime in [("poster", "image/jpeg"), ("thumbnail", "image/jpeg"), ("animated", "image/webp")]:
        assert (assets[kind].uri, assets[kind].mime_type) == (result[kind]["uri"], mime)
        assert assets[kind].size_bytes == ctx.store.size(result[kind]["key"]) > 0
    assert (result["poster"]["width"], result["thumbnail"]["width"], result["animated"]["width"]) == (200, 96, 128)
    assert list(scratch.iterdir()) == []


def test_the_poster_is_not_the_black_opening(ctx: ActivityContext, black_opening: Path) -> None:
    result = handle(ctx, transcoded(ctx, "m2", black_opening))
    assert result["poster_time"] >= 1.2
    with ctx.store.open_local(result["poster"]["key"]) as poster:
        luma = np.asarray(Image.open(poster).convert("L"), dtype=np.float32)
    assert luma.mean() > 40 and luma.std() > 20


def test_the_animated_preview_is_a_real_animation(ctx: ActivityContext, black_opening: Path) -> None:
    result = handle(ctx, transcoded(ctx, "m3", black_opening))
    with ctx.store.open_local(result["animated"]["key"]) as path, Image.open(path) as animation:
        assert animation.format == "WEBP" and getattr(animation, "n_frames", 1) > 1


def test_an_unreadable_main_rendition_fails_for_good_but_the_media_stays_visible(
    ctx: ActivityContext, black_opening: Path
) -> None:
    payload = transcoded(ctx, "m4", black_opening)
    ctx.store.put_bytes(payload["results"]["transcode"]["main"], b"not a video any more")
    with pytest.raises(ActivityError) as caught:
        handle(ctx, payload)
    assert (caught.value.code, caught.value.retry) == ("unsupported_media", False)
    assert "cannot be decoded for previews" in caught.value.message
    assert ctx.catalog.get_media("m4").status == "visible"


def test_an_input_without_the_transcode_result_is_a_final_bad_input(ctx: ActivityContext) -> None:
    with pytest.raises(ActivityError) as caught:
        handle(ctx, {"media_uuid": "m5", "user_uuid": USER, "results": {"upload": {"key": "k"}}})
    assert (caught.value.code, caught.value.retry) == ("bad_input", False)
    assert caught.value.message == "input has no results.transcode.main"


def test_the_stage_is_registered_under_its_name() -> None:
    assert load_handler("previews") is handle
