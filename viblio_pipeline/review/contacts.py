"""Contacts as the face stages keep them: a descriptor that is the mean of their faces'.

Everything here runs inside a caller's transaction (see lock.user_transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from viblio_pipeline.catalog import Contact, Face, ReviewStatus
from viblio_pipeline.media.faces.matching import KnownPerson


def new_contact(session: Session, user_uuid: str, name: str | None = None) -> Contact:
    contact = Contact(uuid=uuid.uuid4().hex, user_uuid=user_uuid, name=name, descriptor=None, face_count=0)
    session.add(contact)
    session.flush()
    return contact


def refresh_contacts(session: Session, contact_ids: Iterable[int | None]) -> None:
    """Recompute descriptor and face count from the faces; delete unnamed contacts left empty.

    Faces marked "not a face" don't count.
    """
    for contact_id in {c for c in contact_ids if c is not None}:
        contact = session.get(Contact, contact_id)
        if contact is None:
            continue
        descriptors = session.scalars(
            select(Face.descriptor).where(Face.contact_id == contact_id,
                                          Face.review_status != ReviewStatus.NOT_A_FACE.value)
        ).all()
        usable = [d for d in descriptors if d is not None]
        if not usable and contact.name is None:
            session.delete(contact)
            continue
        contact.face_count = len(usable)
        contact.descriptor = [float(v) for v in np.mean(np.asarray(usable), axis=0)] if usable else None
    session.flush()


def known_people(session: Session, user_uuid: str) -> list[KnownPerson]:
    """The user's contacts that have a descriptor (JSON null and SQL NULL alike are skipped)."""
    rows = session.scalars(select(Contact).where(Contact.user_uuid == user_uuid).order_by(Contact.id)).all()
    return [KnownPerson(row.id, (np.asarray(row.descriptor, dtype=np.float64),))
            for row in rows if row.descriptor]
