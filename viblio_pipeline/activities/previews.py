"""The previews stage: poster, thumbnail and animated preview of the main rendition.

It reads the transcoded main rendition, not the original: that one is upright
(rotation applied), small and always H.264, so previews never meet a codec
surprise the transcode did not already handle.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from viblio_pipeline.activities.base import ActivityContext, Payload, Result, media_ids
from viblio_pipeline.activities.media_io import (
    as_activity_error,
    dependency_result,
    progress_heartbeat,
)
from viblio_pipeline.catalog.status import AssetKind
from viblio_pipeline.media.errors import MediaError
from viblio_pipeline.media.previews import PreviewFile, make_previews
from viblio_pipeline.storage.keys import media_key


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    media_uuid, user_uuid = media_ids(payload)
    main_key = dependency_result(payload, "transcode", "main")
    duration = float(dependency_result(payload, "transcode", "probe").get("duration") or 0.0)
    main_width = _main_width(payload, main_key)
    media = ctx.config.settings.media
    with ctx.store.open_local(main_key) as main, tempfile.TemporaryDirectory(prefix="viblio-previews-") as tmp:
        try:
            previews = make_previews(main, duration, main_width, media.previews, Path(tmp),
                                     stall_seconds=media.transcode.stall_seconds,
                                     on_progress=progress_heartbeat(ctx, "animating"))
        except MediaError as exc:  # the media stays visible: previews are optional
            raise as_activity_error(exc) from exc
        ctx.heartbeat(phase="storing")
        meta = {"time": round(previews.poster_time, 3)}
        return {
            "poster": _store(ctx, user_uuid, media_uuid, AssetKind.POSTER, previews.poster, meta),
            "thumbnail": _store(ctx, user_uuid, media_uuid, AssetKind.THUMBNAIL, previews.thumbnail, meta),
            "animated": _store(ctx, user_uuid, media_uuid, AssetKind.ANIMATED, previews.animated, meta),
            "poster_time": meta["time"],
        }


def _main_width(payload: Payload, main_key: str) -> int:
    renditions = dependency_result(payload, "transcode", "renditions")
    for rendition in renditions:
        if rendition.get("key") == main_key:
            return int(rendition["width"])
    return int(renditions[-1]["width"])


def _store(ctx: ActivityContext, user_uuid: str, media_uuid: str, kind: AssetKind, image: PreviewFile,
           meta: dict[str, Any]) -> dict[str, Any]:
    key = media_key(user_uuid, media_uuid, "previews", image.path.name)
    obj = ctx.store.put_file(key, image.path, image.mime_type)
    ctx.catalog.add_asset(media_uuid, kind.value, obj.uri, image.mime_type, obj.size,
                          width=image.width, height=image.height, name=None, metadata={"key": key, **meta})
    return {"key": key, "uri": obj.uri, "width": image.width, "height": image.height, "bytes": obj.size}
