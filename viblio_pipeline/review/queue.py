"""The review queue: faces a person must confirm, and their answers.

A queued face has review_status "pending" and the task token of the
recognize_faces attempt that queued it. Answering the media's last pending
face yields the token and the stage's result, for the caller to complete
the parked SWF task with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from viblio_pipeline.catalog import Catalog, Contact, Face, ReviewStatus
from viblio_pipeline.catalog.types import utcnow
from viblio_pipeline.review.contacts import new_contact, refresh_contacts
from viblio_pipeline.review.lock import user_transaction
from viblio_pipeline.review.summary import recognition_result


class ReviewError(ValueError):
    """An answer that cannot be applied as given."""


@dataclass(frozen=True)
class ReviewItem:
    face_id: int
    media_uuid: str
    user_uuid: str
    track_index: int
    confidence: float
    crop_uri: str | None
    contact_id: int | None        # the machine's guess
    contact_name: str | None
    first_seen: float | None
    last_seen: float | None
    queued_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "queued_at": self.queued_at.isoformat()}


@dataclass(frozen=True)
class Answer:
    """Exactly one of: an existing contact (id or uuid), a new person's name, or not a face."""

    contact: str | None = None
    new_name: str | None = None
    not_a_face: bool = False

    def __post_init__(self) -> None:
        given = sum([self.contact is not None, self.new_name is not None, self.not_a_face])
        if given != 1:
            raise ReviewError("answer with exactly one of --contact, --new-name or --not-a-face")
        if self.new_name is not None and not self.new_name.strip():
            raise ReviewError("--new-name must not be empty")


@dataclass(frozen=True)
class Outcome:
    face_id: int
    media_uuid: str
    contact_id: int | None
    remaining: int                 # faces of the media still pending
    task_token: str | None
    result: dict[str, Any] | None  # the stage's result, once nothing is pending


def open_reviews(catalog: Catalog, user_uuid: str | None = None, media_uuid: str | None = None) -> list[ReviewItem]:
    query = (
        select(Face, Contact.name)
        .outerjoin(Contact, Face.contact_id == Contact.id)
        .where(Face.review_status == ReviewStatus.PENDING.value)
        .order_by(Face.updated_at, Face.id)
    )
    if user_uuid is not None:
        query = query.where(Face.user_uuid == user_uuid)
    if media_uuid is not None:
        query = query.where(Face.media_uuid == media_uuid)
    with catalog.session() as session:
        return [
            ReviewItem(face.id, face.media_uuid, face.user_uuid, face.track_index, face.confidence,
                       face.crop_uri, face.contact_id, name, face.first_seen, face.last_seen, face.updated_at)
            for face, name in session.execute(query).all()
        ]


def answer(catalog: Catalog, face_id: int, given: Answer) -> Outcome:
    with catalog.session() as session:
        found = session.get(Face, face_id)
        if found is None:
            raise ReviewError(f"no face with id {face_id} in the catalog")
        user_uuid = found.user_uuid
    with user_transaction(catalog, user_uuid) as session:
        face = session.get(Face, face_id)
        if face is None or face.review_status != ReviewStatus.PENDING.value:
            status = "gone" if face is None else face.review_status
            raise ReviewError(f"face {face_id} is not awaiting review (status: {status})")
        previous = face.contact_id
        if given.not_a_face:
            face.review_status, face.contact_id = ReviewStatus.NOT_A_FACE.value, None
        else:
            if given.new_name is not None:
                contact = new_contact(session, user_uuid, name=given.new_name.strip())
            else:
                assert given.contact is not None
                contact = _contact(session, user_uuid, given.contact)
            face.review_status, face.contact_id = ReviewStatus.ANSWERED.value, contact.id
        face.reviewed_at = utcnow()
        session.flush()
        refresh_contacts(session, {previous, face.contact_id})
        return _outcome(session, face)


def pending_completion(catalog: Catalog, media_uuid: str) -> Outcome:
    """For completing again after a failed attempt: the media's token and result, nothing pending."""
    with catalog.session() as session:
        face = session.scalars(
            select(Face).where(Face.media_uuid == media_uuid, Face.task_token.is_not(None))
            .order_by(Face.reviewed_at.desc(), Face.id)
        ).first()
        if face is None:
            raise ReviewError(f"media {media_uuid!r} has no face queued for review")
        return _outcome(session, face)


def _outcome(session: Session, face: Face) -> Outcome:
    remaining = session.scalar(
        select(func.count()).select_from(Face)
        .where(Face.media_uuid == face.media_uuid, Face.review_status == ReviewStatus.PENDING.value)
    ) or 0
    result = recognition_result(session, face.media_uuid) if remaining == 0 else None
    return Outcome(face.id, face.media_uuid, face.contact_id, remaining, face.task_token, result)


def _contact(session: Session, user_uuid: str, ref: str) -> Contact:
    """A contact of this user, by numeric id or uuid."""
    query = select(Contact).where(Contact.user_uuid == user_uuid)
    query = query.where(Contact.id == int(ref)) if ref.isdigit() else query.where(Contact.uuid == ref)
    contact = session.scalar(query)
    if contact is None:
        raise ReviewError(f"user {user_uuid!r} has no contact {ref!r} (give its id or uuid)")
    return contact
