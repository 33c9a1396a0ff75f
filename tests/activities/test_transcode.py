"""The transcode stage on a real config: local object store, SQLite catalog, real ffmpeg."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from viblio_pipeline.activities import load_handler
from viblio_pipeline.activities.base import ActivityContext, ActivityError, CancelRequested
from viblio_pipeline.activities.transcode import handle
from viblio_pipeline.catalog import close_catalogs
from viblio_pipeline.config import load_config
from viblio_pipeline.media.samples import make_clip
from viblio_pipeline.storage import media_key

pytestmark = pytest.mark.timeout(90)
USER = "user-1"
TINY_RENDITIONS = """
media:
  transcode:
    preset: ultrafast
    stall_seconds: 20
    renditions:
      - {name: 120p, height: 120, crf: 30, video_bitrate: 200k, audio_bitrate: 64k}
      - {name: 180p, height: 180, crf: 28, video_bitrate: 300k, audio_bitrate: 64k}
      - {name: 480p, height: 480, crf: 23, video_bitrate: 900k, audio_bitrate: 96k}
"""


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "plain": make_clip(folder / "plain.mp4", width=320, height=240, duration=1.0,
                           creation_time="2014-03-02T10:11:12Z"),
        "rotated": make_clip(folder / "rotated.mp4", width=640, height=360, duration=0.5, rotation=90),
    }


@pytest.fixture
def ctx(conf_dir: Path, tmp_path: Path, scratch: Path) -> Iterator[ActivityContext]:
    local = conf_dir / "local.yaml"
    local.write_text(local.read_text() + TINY_RENDITIONS)
    config = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path / "root")})
    yield ActivityContext(config=config, stage="transcode")
    close_catalogs()


def ingest(ctx: ActivityContext, media: str, source: Path, filename: str = "Beach Day.mp4") -> dict[str, Any]:
    """What the upload stage leaves behind, and the payload the decider sends next."""
    ctx.catalog.create_media(media, USER, source_name=filename)
    ctx.catalog.set_media_status(media, "processing")
    key = media_key(USER, media, "original.mp4")
    stored = ctx.store.put_file(key, source, "video/mp4")
    return {"media_uuid": media, "user_uuid": USER, "original": {"filename": filename},
            "results": {"upload": {"key": key, "uri": stored.uri, "size": stored.size, "sha256": "x"}}}


def test_renditions_are_stored_recorded_and_the_media_becomes_visible(
    ctx: ActivityContext, clips: dict[str, Path]
) -> None:
    result = handle(ctx, ingest(ctx, "m1", clips["plain"]))

    names = [(r["name"], r["width"], r["height"]) for r in result["renditions"]]
    assert names == [("120p", 160, 120), ("180p", 240, 180)]
    assert result["main"] == "users/user-1/media/m1/renditions/180p.mp4"
    for rendition in result["renditions"]:
        assert rendition["key"] == f"users/user-1/media/m1/renditions/{rendition['name']}.mp4"
        assert ctx.store.size(rendition["key"]) == rendition["bytes"] > 0
    media = ctx.catalog.get_media("m1")
    assert media.status == "visible"
    assert (media.width, media.height) == (320, 240)
    assert media.duration == pytest.approx(1.0, abs=0.1)
    assert media.recorded_at is not None and media.recorded_at.year == 2014
    assets = {(a.kind, a.name): a for a in media.assets}
    assert assets[("rendition", "120p")].uri == result["renditions"][0]["uri"]
    assert (assets[("main", "")].uri, assets[("main", "")].width) == (result["renditions"][1]["uri"], 240)
    assert result["probe"]["has_audio"] is True and result["probe"]["rotation"] == 0
    assert len(json.dumps(result)) < 4000


def test_a_rotated_phone_video_becomes_an_upright_portrait_rendition(
    ctx: ActivityContext, clips: dict[str, Path]
) -> None:
    result = handle(ctx, ingest(ctx, "m2", clips["rotated"]))
    assert [(r["width"], r["height"]) for r in result["renditions"]] == [(120, 214), (180, 320)]
    media = ctx.catalog.get_media("m2")
    assert (media.width, media.height) == (360, 640)


def test_progress_is_reported_through_heartbeats(ctx: ActivityContext, clips: dict[str, Path]) -> None:
    handle(ctx, ingest(ctx, "m3", clips["plain"]))
    progress = ctx.progress()
    assert progress["percent"] == 100.0
    assert progress["out_time"] == pytest.approx(1.0, abs=0.15)


def test_a_retried_transcode_overwrites_its_earlier_output(ctx: ActivityContext, clips: dict[str, Path]) -> None:
    payload = ingest(ctx, "m4", clips["plain"])
    first = handle(ctx, payload)
    second = handle(ctx, payload)
    assert [r["key"] for r in first["renditions"]] == [r["key"] for r in second["renditions"]]
    assert ctx.store.list_keys(media_key(USER, "m4", "renditions") + "/") == [
        "users/user-1/media/m4/renditions/120p.mp4", "users/user-1/media/m4/renditions/180p.mp4"]
    assert len(ctx.catalog.get_media("m4").assets) == 3  # two renditions and main, not six


def test_temporary_files_are_removed(ctx: ActivityContext, clips: dict[str, Path], scratch: Path) -> None:
    handle(ctx, ingest(ctx, "m5", clips["plain"]))
    assert list(scratch.iterdir()) == []


def _fails(ctx: ActivityContext, payload: dict[str, Any]) -> ActivityError:
    with pytest.raises(ActivityError) as caught:
        handle(ctx, payload)
    return caught.value


def test_a_text_file_named_mp4_fails_for_good_with_a_readable_reason(
    ctx: ActivityContext, tmp_path: Path, scratch: Path
) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("shopping list: milk, eggs\n")
    error = _fails(ctx, ingest(ctx, "m6", notes, filename="Holiday.mp4"))
    assert (error.code, error.retry) == ("unsupported_media", False)
    assert error.message.startswith("Holiday.mp4 is not a video file: its format is not recognised")
    media = ctx.catalog.get_media("m6")
    assert (media.status, media.error) == ("failed", error.message)
    assert list(scratch.iterdir()) == []


def test_corrupt_bytes_fail_for_good(ctx: ActivityContext, clips: dict[str, Path], tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(clips["plain"].read_bytes()[:600])
    error = _fails(ctx, ingest(ctx, "m7", corrupt, filename="Party.mov"))
    assert error.retry is False and error.message.startswith("Party.mov is ")


def test_an_ffmpeg_that_shows_no_progress_in_time_fails_the_attempt_as_retryable(
    ctx: ActivityContext, conf_dir: Path, tmp_path: Path, clips: dict[str, Path], scratch: Path
) -> None:
    impatient = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path / "root"),
                                                        "VIBLIO__MEDIA__TRANSCODE__STALL_SECONDS": "0.05"})
    stalled_ctx = ActivityContext(config=impatient, stage="transcode")
    error = _fails(stalled_ctx, ingest(stalled_ctx, "m10", clips["plain"]))
    assert (error.code, error.retry) == ("ffmpeg_stalled", True)
    assert error.message.startswith("transcode made no progress for 0.05 s and was killed")
    assert stalled_ctx.catalog.get_media("m10").status == "processing"
    assert list(scratch.iterdir()) == []


def test_an_input_without_the_upload_result_is_a_final_bad_input(ctx: ActivityContext) -> None:
    error = _fails(ctx, {"media_uuid": "m8", "user_uuid": USER, "results": {}})
    assert (error.code, error.retry, error.message) == ("bad_input", False, "input has no results.upload.key")


def test_a_cancel_request_stops_the_stage_and_cleans_up(
    ctx: ActivityContext, clips: dict[str, Path], scratch: Path
) -> None:
    payload = ingest(ctx, "m9", clips["plain"])
    ctx.request_cancel()
    with pytest.raises(CancelRequested):
        handle(ctx, payload)
    assert ctx.store.list_keys(media_key(USER, "m9", "renditions") + "/") == []
    assert ctx.catalog.get_media("m9").status == "processing"
    assert list(scratch.iterdir()) == []


def test_the_stage_is_registered_under_its_name() -> None:
    registered: Callable[..., Any] = load_handler("transcode")
    assert registered is handle
