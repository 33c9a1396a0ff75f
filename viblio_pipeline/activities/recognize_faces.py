"""recognize_faces: who are the media's faces, among the people its user knows.

Each face track is compared with the user's contacts: confident matches are
assigned, close ones join the nearest contact, the rest become new unnamed
contacts. All of it happens in one transaction that no other video of the
same user runs at the same time, so two videos can't both create the same
new person.

With `manual: true` in the workflow input, faces whose detection or
recognition confidence is below `review_confidence` are queued for a person
with this task's token, and the task is left open (CompleteLater): the
review command completes it when the media's last queued face is answered.
"""

from __future__ import annotations

import logging

import numpy as np
from sqlalchemy import select

from viblio_pipeline.activities.base import ActivityContext, ActivityError, CompleteLater, Payload, Result, media_ids
from viblio_pipeline.media.faces.matching import KnownPerson, decide

log = logging.getLogger(__name__)


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    from viblio_pipeline.catalog import Face, ReviewStatus
    from viblio_pipeline.review.contacts import known_people, new_contact, refresh_contacts
    from viblio_pipeline.review.lock import UserBusy, user_transaction
    from viblio_pipeline.review.summary import recognition_result

    media_uuid, user_uuid = media_ids(payload)
    manual = bool(payload.get("manual"))
    settings = ctx.config.settings.media.faces
    if manual and not ctx.task_token:
        raise ActivityError("no_task_token", "manual review needs the activity's task token", retry=False)
    counts = {"matched": 0, "joined": 0, "new_contacts": 0}
    ctx.heartbeat(phase="waiting for the user's lock")
    try:
        with user_transaction(ctx.catalog, user_uuid) as session:
            ctx.heartbeat(phase="matching")
            faces = session.scalars(
                select(Face).where(Face.media_uuid == media_uuid).order_by(Face.track_index)).all()
            people = known_people(session, user_uuid)
            touched: set[int] = set()
            for face in faces:
                if face.review_status != ReviewStatus.NONE.value or face.descriptor is None:
                    continue  # answered by a person, or queued by an earlier attempt: keep
                if face.contact_id is not None:
                    continue  # an earlier attempt of this task assigned it already
                descriptor = np.asarray(face.descriptor, dtype=np.float64)
                decision = decide(descriptor, people, settings.match_threshold, settings.join_threshold)
                if decision.contact_id is None:
                    contact_id = new_contact(session, user_uuid).id
                    people.append(KnownPerson(contact_id, (descriptor,)))
                    counts["new_contacts"] += 1
                else:
                    contact_id = decision.contact_id
                    counts["matched" if decision.action == "match" else "joined"] += 1
                face.contact_id = contact_id
                touched.add(contact_id)
                if manual and min(face.confidence, decision.confidence) < settings.review_confidence:
                    face.review_status = ReviewStatus.PENDING.value
                session.flush()
                ctx.heartbeat(phase="matching", track=face.track_index)
            if manual:  # this attempt's token replaces a timed-out attempt's
                for face in faces:
                    if face.review_status == ReviewStatus.PENDING.value:
                        face.task_token = ctx.task_token
            refresh_contacts(session, touched)
            session.flush()
            result = recognition_result(session, media_uuid, **counts)
    except UserBusy as exc:
        raise ActivityError("user_busy", str(exc), retry=True) from exc
    log.info("faces recognised", extra={"media_uuid": media_uuid, **result})
    if manual and result["pending_review"]:
        raise CompleteLater(f"{result['pending_review']} face(s) of media {media_uuid} await review")
    return result
