"""What the media stages (transcode, previews) share: reading their input,
turning media failures into activity failures, reporting ffmpeg progress.
"""

from __future__ import annotations

import logging
from typing import Any

from viblio_pipeline.activities.base import ActivityContext, ActivityError, Payload
from viblio_pipeline.catalog import CatalogError, IllegalTransition, MediaStatus
from viblio_pipeline.media.errors import MediaError
from viblio_pipeline.media.ffmpeg import Progress, ProgressCallback

log = logging.getLogger(__name__)


def dependency_result(payload: Payload, stage: str, field: str) -> Any:
    """One field of an upstream stage's result, or a final bad_input failure naming it."""
    results = payload.get("results")
    result = results.get(stage) if isinstance(results, dict) else None
    if not isinstance(result, dict) or result.get(field) in (None, ""):
        raise ActivityError("bad_input", f"input has no results.{stage}.{field}", retry=False)
    return result[field]


def progress_heartbeat(ctx: ActivityContext, phase: str) -> ProgressCallback:
    """An ffmpeg progress callback that records heartbeat details (and raises on cancel)."""

    def report(progress: Progress) -> None:
        details: dict[str, Any] = {"phase": phase, "out_time": round(progress.out_time, 2)}
        if progress.fraction is not None:
            details["percent"] = round(100 * progress.fraction, 1)
        if progress.speed is not None:
            details["speed"] = progress.speed
        ctx.heartbeat(**details)

    return report


def as_activity_error(exc: MediaError) -> ActivityError:
    """The activity failure carrying a media failure's code, words and retry flag."""
    return ActivityError(exc.code, exc.message, retry=exc.retry)


def mark_failed(ctx: ActivityContext, media_uuid: str, reason: str) -> None:
    """Record why the media cannot be shown (best effort: the stage fails anyway)."""
    try:
        ctx.catalog.set_media_status(media_uuid, MediaStatus.FAILED.value, error=reason[:1000])
    except (CatalogError, IllegalTransition) as exc:
        log.warning("media %s not marked failed: %s", media_uuid, exc)


def make_visible(ctx: ActivityContext, media_uuid: str) -> None:
    """Move the media to visible through the lifecycle, never back from complete."""
    status = ctx.catalog.get_media(media_uuid).status
    if status in (MediaStatus.PENDING.value, MediaStatus.FAILED.value):
        ctx.catalog.set_media_status(media_uuid, MediaStatus.PROCESSING.value)
        status = MediaStatus.PROCESSING.value
    if status == MediaStatus.PROCESSING.value:
        ctx.catalog.set_media_status(media_uuid, MediaStatus.VISIBLE.value)
