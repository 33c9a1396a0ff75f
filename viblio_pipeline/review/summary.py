"""The recognize_faces result, computed from the catalog: the same whether the
activity completes itself or a review answer completes it later."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from viblio_pipeline.catalog import Face, ReviewStatus


def recognition_result(session: Session, media_uuid: str, **extra: Any) -> dict[str, Any]:
    faces = session.scalars(select(Face).where(Face.media_uuid == media_uuid)).all()
    real = [f for f in faces if f.review_status != ReviewStatus.NOT_A_FACE.value]
    return {
        "faces": len(real),
        "contacts": len({f.contact_id for f in real if f.contact_id is not None}),
        "not_a_face": len(faces) - len(real),
        "reviewed": sum(1 for f in faces if f.review_status in (ReviewStatus.ANSWERED.value,
                                                              ReviewStatus.NOT_A_FACE.value)),
        "pending_review": sum(1 for f in faces if f.review_status == ReviewStatus.PENDING.value),
        **extra,
    }
