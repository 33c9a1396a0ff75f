"""Assets (upserted by kind and name) and workflow stage records."""

from __future__ import annotations

import pytest

from viblio_pipeline.catalog import Catalog, MediaNotFound


@pytest.fixture
def media(catalog: Catalog) -> str:
    catalog.create_media("m1", "u1")
    return "m1"


def test_an_asset_is_recorded_with_its_details(catalog: Catalog, media: str) -> None:
    catalog.add_asset(media, "main", "file:///main.mp4", "video/mp4", 1234, width=1280, height=720,
                      metadata={"codec": "h264"})
    asset = catalog.get_media(media).asset("main")
    assert asset is not None
    assert (asset.uri, asset.mime_type, asset.size_bytes, asset.width, asset.height) == (
        "file:///main.mp4", "video/mp4", 1234, 1280, 720)
    assert asset.metadata == {"codec": "h264"}


def test_the_same_kind_and_name_again_replaces_the_asset(catalog: Catalog, media: str) -> None:
    catalog.add_asset(media, "rendition", "file:///a", "video/mp4", 1, name="360p")
    catalog.add_asset(media, "rendition", "file:///b", "video/mp4", 2, name="360p")
    catalog.add_asset(media, "rendition", "file:///c", "video/mp4", 3, name="720p")
    renditions = {a.name: a.uri for a in catalog.get_media(media).assets}
    assert renditions == {"360p": "file:///b", "720p": "file:///c"}


def test_big_sizes_fit(catalog: Catalog, media: str) -> None:
    catalog.add_asset(media, "original", "file:///o", "video/mp4", 5 * 1024**3)
    asset = catalog.get_media(media).asset("original")
    assert asset is not None and asset.size_bytes == 5 * 1024**3


def test_an_unknown_asset_kind_is_refused_listing_the_kinds(catalog: Catalog, media: str) -> None:
    with pytest.raises(ValueError, match="asset kind 'movie' is not one of: original, main"):
        catalog.add_asset(media, "movie", "file:///m", "video/mp4", 1)


def test_an_asset_of_an_unknown_media_is_refused(catalog: Catalog) -> None:
    with pytest.raises(MediaNotFound):
        catalog.add_asset("ghost", "poster", "file:///p.jpg", "image/jpeg", 1)


def test_running_stamps_start_and_a_final_state_stamps_finish(catalog: Catalog, media: str) -> None:
    catalog.record_stage(media, "transcode", "running", attempt=1)
    running = catalog.get_media(media).stage("transcode")
    assert running is not None and running.started_at is not None and running.finished_at is None
    catalog.record_stage(media, "transcode", "completed", attempt=1)
    done = catalog.get_media(media).stage("transcode")
    assert done is not None and done.status == "completed"
    assert done.started_at == running.started_at
    assert done.finished_at is not None and done.finished_at >= done.started_at


def test_a_retry_counts_attempts_and_keeps_the_latest_error(catalog: Catalog, media: str) -> None:
    catalog.record_stage(media, "upload", "running", attempt=1)
    catalog.record_stage(media, "upload", "failed", attempt=1, error="S3 timeout")
    catalog.record_stage(media, "upload", "running", attempt=2)
    retried = catalog.get_media(media).stage("upload")
    assert retried is not None
    assert (retried.status, retried.attempts, retried.finished_at, retried.error) == ("running", 2, None, None)


def test_each_stage_has_one_record(catalog: Catalog, media: str) -> None:
    for stage in ("upload", "transcode", "upload"):
        catalog.record_stage(media, stage, "completed", attempt=1)
    assert sorted(s.stage for s in catalog.get_media(media).stages) == ["transcode", "upload"]


def test_an_unknown_stage_status_is_refused(catalog: Catalog, media: str) -> None:
    with pytest.raises(ValueError, match="stage status 'ok'"):
        catalog.record_stage(media, "upload", "ok", attempt=1)
