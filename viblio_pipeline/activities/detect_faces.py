"""detect_faces: find the faces of a media's video, keep the best crop of each track.

Stores one JPEG crop per track and a faces JSON in object storage, records
the faces in the catalog (replacing an earlier attempt's), and returns a
pointer to the JSON with counts. A video without faces is a normal result.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import delete, select

from viblio_pipeline.activities.base import ActivityContext, ActivityError, Payload, Result, media_ids
from viblio_pipeline.config.schema import FacesConfig
from viblio_pipeline.media.faces import document
from viblio_pipeline.media.faces.analyse import Progress, VideoFaces, analyse_video
from viblio_pipeline.media.faces.crops import encode_jpeg
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.frames import UnreadableVideo
from viblio_pipeline.media.faces.models import ModelsNotFound
from viblio_pipeline.storage import ObjectNotFound, ObjectStore, media_key, media_prefix

log = logging.getLogger(__name__)

FACES_JSON = "faces.json"
FACES_FOLDER = "faces"

_engines: dict[tuple[int, int], FaceEngine] = {}
_engines_lock = threading.Lock()


def shared_engine(settings: FacesConfig) -> FaceEngine:
    """One engine per worker process: loading dlib's models takes about a second."""
    key = (settings.upsample, settings.min_face_px)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            try:
                engine = FaceEngine(upsample=settings.upsample, min_face_px=settings.min_face_px)
            except ModelsNotFound as exc:
                raise ActivityError("face_models_missing", str(exc), retry=False) from exc
            _engines[key] = engine
        return engine


def video_key(payload: Payload) -> str:
    """The video to analyse: an explicit `video_key`, else transcode's main (largest) rendition.

    The largest rendition gives the sharpest crops; it is shrunk to
    detect_width for the detector anyway.
    """
    explicit = payload.get("video_key")
    if isinstance(explicit, str) and explicit:
        return explicit
    results = payload.get("results")
    transcode = results.get("transcode") if isinstance(results, dict) else None
    if isinstance(transcode, dict):
        main = transcode.get("main")
        if isinstance(main, str) and main:
            return main
        renditions = [r for r in transcode.get("renditions") or []
                      if isinstance(r, dict) and isinstance(r.get("key"), str)]
        if renditions:
            return str(max(renditions, key=lambda r: int(r.get("height") or 0))["key"])
    raise ActivityError(
        "bad_input", "no video to analyse: input has neither 'video_key' nor results.transcode.main",
        retry=False,
    )


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    media_uuid, user_uuid = media_ids(payload)
    settings = ctx.config.settings.media.faces
    key = video_key(payload)
    engine = shared_engine(settings)
    ctx.heartbeat(phase="fetching", video_key=key)

    def report(progress: Progress) -> None:
        percent = round(100 * progress.seconds / progress.duration, 1) if progress.duration else None
        ctx.heartbeat(phase="analysing", seconds=round(progress.seconds, 2), percent=percent,
                      frames_sampled=progress.frames_sampled, detections=progress.detections,
                      tracks=progress.tracks)

    try:
        with ctx.store.open_local(key) as path:
            video = analyse_video(path, settings, engine, on_progress=report)
    except ObjectNotFound as exc:
        raise ActivityError("video_missing", f"video {key!r} is not in object storage", retry=False) from exc
    except UnreadableVideo as exc:
        raise ActivityError("unreadable_video", str(exc), retry=False) from exc

    ctx.heartbeat(phase="storing", tracks=len(video.tracks))
    entries = store_crops(ctx.store, user_uuid, media_uuid, video)
    faces_key = media_key(user_uuid, media_uuid, FACES_JSON)
    stored = ctx.store.put_bytes(faces_key, document.build(media_uuid, video, settings.sample_fps, entries),
                                 content_type="application/json")
    record_faces(ctx, media_uuid, user_uuid, entries, stored.uri, stored.size)
    log.info("faces detected", extra={"media_uuid": media_uuid, "faces": len(entries),
                                      "frames_sampled": video.frames_sampled, "detections": video.detections})
    return {
        "faces_key": faces_key,
        "faces_uri": stored.uri,
        "faces": len(entries),
        "detections": video.detections,
        "frames_sampled": video.frames_sampled,
        "duration": video.duration,
    }


def store_crops(store: ObjectStore, user_uuid: str, media_uuid: str, video: VideoFaces) -> list[dict[str, Any]]:
    """Upload each track's crop; remove crops an earlier attempt left that this one did not make."""
    entries = []
    for track in video.tracks:
        crop_key = media_key(user_uuid, media_uuid, FACES_FOLDER, document.crop_name(track.number))
        stored = store.put_bytes(crop_key, encode_jpeg(track.crop), content_type="image/jpeg")
        entries.append(document.face_entry(track, crop_key, stored.uri))
    kept = {e["crop_key"] for e in entries}
    for stale in store.list_keys(media_prefix(user_uuid, media_uuid) + FACES_FOLDER + "/"):
        if stale not in kept:
            store.delete(stale)
    return entries


def record_faces(ctx: ActivityContext, media_uuid: str, user_uuid: str, entries: list[dict[str, Any]],
                 faces_uri: str, faces_size: int) -> None:
    """Replace the media's face rows and face assets in one transaction."""
    from viblio_pipeline.catalog import AssetKind, Face, MediaAsset, MediaNotFound
    from viblio_pipeline.review.contacts import refresh_contacts

    catalog = ctx.catalog
    try:
        with catalog.session() as session:
            previous = session.scalars(select(Face).where(Face.media_uuid == media_uuid)).all()
            touched = {f.contact_id for f in previous if f.contact_id is not None}
            session.execute(delete(Face).where(Face.media_uuid == media_uuid))
            session.execute(delete(MediaAsset).where(MediaAsset.media_uuid == media_uuid,
                                                     MediaAsset.kind == AssetKind.FACE_CROP.value))
            session.flush()
            refresh_contacts(session, touched)
            for entry in entries:
                left, top, width, height = entry["box"]
                session.add(Face(
                    media_uuid=media_uuid, user_uuid=user_uuid, track_index=entry["track"],
                    crop_uri=entry["crop_uri"], confidence=entry["confidence"], descriptor=entry["descriptor"],
                    bbox=[left, top, width, height], first_seen=entry["start"], last_seen=entry["end"],
                    frame_count=entry["detections"],
                ))
    except MediaNotFound as exc:
        raise ActivityError("media_missing", str(exc), retry=False) from exc
    for entry in entries:
        catalog.add_asset(media_uuid, AssetKind.FACE_CROP.value, entry["crop_uri"], "image/jpeg",
                          ctx.store.size(entry["crop_key"]), name=entry["crop_key"].rsplit("/", 1)[-1][:-4],
                          metadata={"track": entry["track"], "confidence": entry["confidence"]})
    catalog.add_asset(media_uuid, AssetKind.FACES_JSON.value, faces_uri, "application/json", faces_size,
                      metadata={"faces": len(entries)})
