"""The faces and contacts tables the face stages fill."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from viblio_pipeline.catalog import Catalog, Contact, Face


def _descriptor(seed: float) -> list[float]:
    return [seed + i / 1000 for i in range(128)]


def _face(track: int, confidence: float, **extra: object) -> Face:
    fields: dict[str, object] = {
        "media_uuid": "m1", "user_uuid": "u1", "track_index": track, "crop_uri": f"file:///crop-{track}.jpg",
        "confidence": confidence, "descriptor": _descriptor(track), "bbox": [10, 20, 64, 64],
        "first_seen": 0.5, "last_seen": 2.0, "frame_count": 4,
    }
    return Face(**(fields | extra))


@pytest.fixture
def media(catalog: Catalog) -> str:
    catalog.create_media("m1", "u1")
    return "m1"


def test_faces_and_their_contact_round_trip(catalog: Catalog, media: str) -> None:
    token = "t" * 1024
    with catalog.session() as session:
        contact = Contact(uuid="c1", user_uuid="u1", name=None, descriptor=_descriptor(0.1), face_count=1)
        session.add(contact)
        session.add(_face(0, 0.9, contact=contact, review_status="pending", task_token=token))
    with catalog.session() as session:
        face = session.scalars(select(Face)).one()
        assert face.contact is not None and face.contact.uuid == "c1"
        assert face.descriptor == pytest.approx(_descriptor(0))
        assert (face.bbox, face.frame_count, face.review_status, face.task_token) == (
            [10, 20, 64, 64], 4, "pending", token)


def test_a_descriptor_must_have_128_numbers(catalog: Catalog, media: str) -> None:
    with pytest.raises(ValueError, match="128 finite numbers"):
        _face(0, 0.5, descriptor=[0.0] * 127)


def test_an_unknown_review_status_is_refused(catalog: Catalog, media: str) -> None:
    with pytest.raises(ValueError, match="review status 'maybe'"):
        _face(0, 0.5, review_status="maybe")


def test_one_face_per_track_of_a_media(catalog: Catalog, media: str) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), catalog.session() as session:
        session.add_all([_face(0, 0.5), _face(0, 0.6)])


def test_best_face_crop_is_the_most_confident_real_face(catalog: Catalog, media: str) -> None:
    assert catalog.best_face_crop(media) is None
    with catalog.session() as session:
        session.add_all([_face(0, 0.7), _face(1, 0.95, review_status="not_a_face"), _face(2, 0.8)])
    assert catalog.best_face_crop(media) == "file:///crop-2.jpg"


def test_deleting_a_contact_keeps_its_faces(catalog: Catalog, media: str) -> None:
    with catalog.session() as session:
        contact = Contact(uuid="c1", user_uuid="u1", face_count=1)
        session.add(_face(0, 0.5, contact=contact))
    with catalog.session() as session:
        session.delete(session.scalars(select(Contact)).one())
    with catalog.session() as session:
        assert session.scalars(select(Face)).one().contact_id is None
