"""detect_faces on a real local object store and a real SQLite catalog."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image
from sqlalchemy import select

from viblio_pipeline.activities import ActivityContext, ActivityError, CancelRequested, load_handler
from viblio_pipeline.catalog import AssetKind, Face
from viblio_pipeline.config import Config, load_config
from viblio_pipeline.media.faces import document
from viblio_pipeline.media.faces.samplevideo import Shot, astronaut, faceless_photo, write_video
from viblio_pipeline.storage import media_key

pytestmark = pytest.mark.timeout(120)
FAST = {"VIBLIO__MEDIA__FACES__SAMPLE_FPS": "2", "VIBLIO__MEDIA__FACES__TRACK_MAX_GAP_SECONDS": "1"}


@pytest.fixture
def config(tmp_path: Path, conf_dir: Path) -> Config:
    return load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path), **FAST})


@pytest.fixture(scope="module")
def two_appearances(tmp_path_factory: pytest.TempPathFactory) -> Path:
    her = astronaut()
    shots = [her.shot(1.0, "zoom"), Shot(faceless_photo(), 1.5), her.shot(1.0, "pan")]
    return write_video(tmp_path_factory.mktemp("v") / "two.mp4", shots)


@pytest.fixture(scope="module")
def no_face(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("v") / "none.mp4", [Shot(faceless_photo(), 1.0)])


def start(config: Config, video: Path, user: str = "user-1") -> tuple[ActivityContext, dict[str, object]]:
    """A media in the catalog with its main rendition stored, and the stage's context and input."""
    media = uuid.uuid4().hex
    ctx = ActivityContext(config=config, stage="detect_faces", task_token="token-" + media)
    ctx.catalog.create_media(media, user)
    key = media_key(user, media, "renditions", "720p.mp4")
    ctx.store.put_file(key, video, "video/mp4")
    return ctx, {"media_uuid": media, "user_uuid": user, "results": {"transcode": {"main": key}}}


def run(ctx: ActivityContext, payload: dict[str, object]) -> dict[str, object]:
    return load_handler("detect_faces")(ctx, payload)


def test_each_appearance_becomes_a_face_row_with_a_stored_crop_and_a_confidence(
    config: Config, two_appearances: Path
) -> None:
    ctx, payload = start(config, two_appearances)
    result = run(ctx, payload)
    assert result["faces"] == 2
    with ctx.catalog.session() as session:
        faces = session.scalars(select(Face).where(Face.media_uuid == payload["media_uuid"])).all()
        assert [f.track_index for f in faces] == [1, 2]
        for face in faces:
            assert face.crop_uri and 0 < face.confidence <= 1 and len(face.descriptor or []) == 128
            crop = Image.open(Path(urlparse(face.crop_uri).path))
            assert crop.format == "JPEG" and min(crop.size) >= 40


def test_the_result_points_to_the_faces_json_instead_of_carrying_it(
    config: Config, two_appearances: Path
) -> None:
    ctx, payload = start(config, two_appearances)
    result = run(ctx, payload)
    assert len(json.dumps(result)) < 1000
    stored = document.parse(ctx.store.get_bytes(str(result["faces_key"])), "faces.json")
    assert [f["track"] for f in stored["faces"]] == [1, 2]
    for face in stored["faces"]:
        Image.open(io.BytesIO(ctx.store.get_bytes(face["crop_key"]))).verify()


def test_the_best_face_is_the_most_confident_stored_crop(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    run(ctx, payload)
    best = ctx.catalog.best_face_crop(str(payload["media_uuid"]))
    with ctx.catalog.session() as session:
        faces = session.scalars(select(Face).where(Face.media_uuid == payload["media_uuid"])).all()
        assert best == max(faces, key=lambda f: f.confidence).crop_uri
    assert best is not None and Path(urlparse(best).path).is_file()


def test_face_crops_and_the_json_are_recorded_as_media_assets(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    run(ctx, payload)
    media = ctx.catalog.get_media(str(payload["media_uuid"]))
    assert sorted(a.name for a in media.assets if a.kind == AssetKind.FACE_CROP.value) == [
        "track-001", "track-002"]
    assert media.asset(AssetKind.FACES_JSON.value) is not None


def test_a_video_without_faces_is_a_normal_result(config: Config, no_face: Path) -> None:
    ctx, payload = start(config, no_face)
    result = run(ctx, payload)
    assert result["faces"] == 0 and int(str(result["frames_sampled"])) >= 2
    assert document.parse(ctx.store.get_bytes(str(result["faces_key"])), "faces.json")["faces"] == []
    assert ctx.catalog.best_face_crop(str(payload["media_uuid"])) is None


def test_a_retry_replaces_the_earlier_attempt_instead_of_adding_to_it(
    config: Config, two_appearances: Path, no_face: Path
) -> None:
    ctx, payload = start(config, two_appearances)
    run(ctx, payload)
    ctx.store.put_file(str(payload["results"]["transcode"]["main"]), no_face, "video/mp4")  # type: ignore[index]
    run(ctx, payload)
    with ctx.catalog.session() as session:
        assert session.scalars(select(Face).where(Face.media_uuid == payload["media_uuid"])).all() == []
    user, media = str(payload["user_uuid"]), str(payload["media_uuid"])
    assert ctx.store.list_keys(f"users/{user}/media/{media}/faces/") == []


def test_heartbeats_carry_the_analysis_progress(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    run(ctx, payload)
    progress = ctx.progress()
    assert progress["phase"] == "storing" and progress["tracks"] == 2
    assert progress["frames_sampled"] >= 6 and progress["percent"] > 50


def test_a_cancel_request_stops_the_analysis(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    ctx.request_cancel()
    with pytest.raises(CancelRequested):
        run(ctx, payload)


def test_a_missing_video_fails_for_good_naming_the_key(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    payload["results"] = {"transcode": {"main": "users/user-1/media/nope/renditions/720p.mp4"}}
    with pytest.raises(ActivityError, match="nope") as caught:
        run(ctx, payload)
    assert caught.value.code == "video_missing" and caught.value.retry is False


def test_input_without_a_video_is_refused_clearly(config: Config, two_appearances: Path) -> None:
    ctx, payload = start(config, two_appearances)
    payload["results"] = {}
    with pytest.raises(ActivityError, match="results.transcode.main") as caught:
        run(ctx, payload)
    assert caught.value.retry is False
