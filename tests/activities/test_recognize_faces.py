"""recognize_faces on a real catalog (SQLite, and MariaDB when VIBLIO_TEST_MYSQL_URL is set)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, make_url, select, text

from viblio_pipeline.activities import ActivityContext, ActivityError, CompleteLater, load_handler
from viblio_pipeline.catalog import Contact, Face, ReviewStatus, close_catalogs
from viblio_pipeline.config import Config, load_config
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.samplevideo import Portrait, astronaut, load_portraits, write_video
from viblio_pipeline.storage import media_key

pytestmark = pytest.mark.timeout(120)
REPO = Path(__file__).resolve().parents[2]
PHOTO_DIR = REPO / "var" / "test-photos"
MYSQL_ENV = "VIBLIO_TEST_MYSQL_URL"
Descriptors = dict[str, list[float]]


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        return
    server_url = os.environ.get(MYSQL_ENV)
    if not server_url:
        pytest.skip(f"MariaDB/MySQL runs need {MYSQL_ENV}")
    server = create_engine(make_url(server_url))
    name = f"viblio_faces_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        close_catalogs()
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


def make_config(tmp_path: Path, conf_dir: Path, catalog_url: str, **faces: str) -> Config:
    environ = {"VIBLIO__PATHS__ROOT": str(tmp_path), "VIBLIO__CATALOG__URL": catalog_url,
               "VIBLIO__MEDIA__FACES__SAMPLE_FPS": "2", "VIBLIO__MEDIA__FACES__TRACK_MAX_GAP_SECONDS": "1"}
    environ.update({f"VIBLIO__MEDIA__FACES__{k.upper()}": v for k, v in faces.items()})
    return load_config("local", conf_dir, environ=environ)


@pytest.fixture
def config(tmp_path: Path, conf_dir: Path, catalog_url: str) -> Config:
    return make_config(tmp_path, conf_dir, catalog_url)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine()


def describe(engine: FaceEngine, portrait: Portrait) -> list[float]:
    image = Image.fromarray(portrait.photo)
    image.thumbnail((640, 640))
    (face,) = engine.find(np.asarray(image))
    return [float(v) for v in face.descriptor]


@pytest.fixture(scope="module")
def people(engine: FaceEngine) -> Descriptors:
    """Real descriptors: obama, obama2, obama3 are one person, biden another."""
    portraits = load_portraits(PHOTO_DIR)
    if len(portraits) < 4:
        pytest.skip(f"face_recognition test photos absent from {PHOTO_DIR}: run `python tests/faces/fetch_photos.py`")
    return {name: describe(engine, p) for name, p in portraits.items()}


def media_with_faces(ctx: ActivityContext, user: str, faces: list[tuple[list[float], float]]) -> str:
    """A media whose detect_faces found these (descriptor, confidence) tracks."""
    media = uuid.uuid4().hex
    ctx.catalog.create_media(media, user)
    with ctx.catalog.session() as session:
        for index, (descriptor, confidence) in enumerate(faces, start=1):
            session.add(Face(media_uuid=media, user_uuid=user, track_index=index, confidence=confidence,
                             descriptor=descriptor, crop_uri=f"file:///crops/{media}/{index}.jpg",
                             frame_count=3))
    return media


def recognise(config: Config, user: str, media: str, manual: bool = False,
              token: str | None = "token-1") -> dict[str, object]:
    ctx = ActivityContext(config=config, stage="recognize_faces", task_token=token)
    return load_handler("recognize_faces")(ctx, {"media_uuid": media, "user_uuid": user, "manual": manual})


def contacts_of(config: Config, user: str) -> list[Contact]:
    ctx = ActivityContext(config=config, stage="recognize_faces")
    with ctx.catalog.session() as session:
        return list(session.scalars(select(Contact).where(Contact.user_uuid == user).order_by(Contact.id)))


def faces_of(config: Config, media: str) -> list[Face]:
    ctx = ActivityContext(config=config, stage="recognize_faces")
    with ctx.catalog.session() as session:
        return list(session.scalars(select(Face).where(Face.media_uuid == media).order_by(Face.track_index)))


def test_the_same_person_in_two_videos_is_recognised_as_one_contact(config: Config) -> None:
    """End to end from video: detect_faces then recognize_faces, twice, with the bundled astronaut."""
    her = astronaut()
    contacts = set()
    for motion in ("zoom", "pan"):
        ctx = ActivityContext(config=config, stage="detect_faces")
        media = uuid.uuid4().hex
        ctx.catalog.create_media(media, "user-1")
        key = media_key("user-1", media, "renditions", "720p.mp4")
        video = write_video(config.path(f"{media}.mp4"), [her.shot(1.0, motion)])  # type: ignore[arg-type]
        ctx.store.put_file(key, video, "video/mp4")
        load_handler("detect_faces")(ctx, {"media_uuid": media, "user_uuid": "user-1",
                                           "results": {"transcode": {"main": key}}})
        recognise(config, "user-1", media)
        contacts |= {f.contact_id for f in faces_of(config, media)}
    (only,) = contacts_of(config, "user-1")
    assert contacts == {only.id} and only.face_count == 2 and only.name is None


def test_different_people_become_different_contacts(config: Config, people: Descriptors) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u",
                             [(people["obama"], 0.9), (people["biden"], 0.9)])
    result = recognise(config, "u", media)
    assert result["new_contacts"] == 2
    obama, biden = faces_of(config, media)
    assert obama.contact_id != biden.contact_id


def test_one_person_in_different_photos_joins_one_contact(config: Config, people: Descriptors) -> None:
    ctx = ActivityContext(config=config, stage="x")
    for name in ("obama", "obama3", "obama2"):
        recognise(config, "u", media_with_faces(ctx, "u", [(people[name], 0.9)]))
    (contact,) = contacts_of(config, "u")
    assert contact.face_count == 3


def test_people_of_another_user_are_never_matched(config: Config, people: Descriptors) -> None:
    ctx = ActivityContext(config=config, stage="x")
    recognise(config, "alice", media_with_faces(ctx, "alice", [(people["obama"], 0.9)]))
    result = recognise(config, "bob", media_with_faces(ctx, "bob", [(people["obama"], 0.9)]))
    assert result["new_contacts"] == 1
    assert len(contacts_of(config, "alice")) == len(contacts_of(config, "bob")) == 1


def test_thresholds_come_from_the_config(tmp_path: Path, conf_dir: Path, catalog_url: str,
                                         people: Descriptors) -> None:
    strict = make_config(tmp_path, conf_dir, catalog_url, match_threshold="0.1", join_threshold="0.15")
    ctx = ActivityContext(config=strict, stage="x")
    for name in ("obama", "obama3"):
        recognise(strict, "u", media_with_faces(ctx, "u", [(people[name], 0.9)]))
    assert len(contacts_of(strict, "u")) == 2


def test_two_videos_of_one_user_recognised_at_once_create_the_new_person_once(
    config: Config, people: Descriptors
) -> None:
    ctx = ActivityContext(config=config, stage="x")
    medias = [media_with_faces(ctx, "u", [(people[name], 0.9)]) for name in ("obama", "obama3", "obama")]
    barrier = threading.Barrier(len(medias))
    errors: list[BaseException] = []

    def run(media: str) -> None:
        barrier.wait()
        try:
            recognise(config, "u", media)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in medias]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    (contact,) = contacts_of(config, "u")
    assert contact.face_count == 3


def test_a_retried_attempt_does_not_count_a_face_twice(config: Config, people: Descriptors) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [(people["biden"], 0.9)])
    recognise(config, "u", media)
    again = recognise(config, "u", media)
    assert again["new_contacts"] == 0
    (contact,) = contacts_of(config, "u")
    assert contact.face_count == 1


def test_manual_review_queues_uncertain_faces_with_the_task_token_and_parks_the_task(
    config: Config, people: Descriptors
) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u",
                             [(people["obama"], 0.95), (people["biden"], 0.3)])
    with pytest.raises(CompleteLater, match="1 face"):
        recognise(config, "u", media, manual=True, token="the-token")
    sure, unsure = faces_of(config, media)
    assert (sure.review_status, sure.task_token) == (ReviewStatus.NONE.value, None)
    assert (unsure.review_status, unsure.task_token) == (ReviewStatus.PENDING.value, "the-token")
    assert unsure.contact_id is not None  # the machine's guess, shown to the reviewer


def test_manual_review_with_only_confident_faces_completes_at_once(config: Config, people: Descriptors) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [(people["obama"], 0.95)])
    result = recognise(config, "u", media, manual=True)
    assert result["pending_review"] == 0 and result["faces"] == 1


def test_without_manual_review_uncertain_faces_are_assigned_automatically(
    config: Config, people: Descriptors
) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [(people["biden"], 0.2)])
    result = recognise(config, "u", media)
    assert result["pending_review"] == 0 and faces_of(config, media)[0].contact_id is not None


def test_a_retried_manual_attempt_gives_the_queue_its_new_token(config: Config, people: Descriptors) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [(people["biden"], 0.2)])
    for token in ("first", "second"):
        with pytest.raises(CompleteLater):
            recognise(config, "u", media, manual=True, token=token)
    assert faces_of(config, media)[0].task_token == "second"


def test_manual_review_without_a_task_token_fails_for_good(config: Config, people: Descriptors) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [(people["biden"], 0.2)])
    with pytest.raises(ActivityError, match="task token") as caught:
        recognise(config, "u", media, manual=True, token=None)
    assert caught.value.retry is False


def test_a_media_without_faces_is_a_normal_result(config: Config) -> None:
    media = media_with_faces(ActivityContext(config=config, stage="x"), "u", [])
    assert recognise(config, "u", media, manual=True)["faces"] == 0


