"""The transcode stage: probe the original, write MP4 renditions, make the media visible.

Keys are deterministic (users/U/media/M/renditions/<name>.mp4), so a retried
attempt overwrites what an earlier one left. The original is read through
`open_local` and ffmpeg streams it, so memory does not grow with its length.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from viblio_pipeline.activities.base import ActivityContext, Payload, Result, media_ids
from viblio_pipeline.activities.media_io import (
    as_activity_error,
    dependency_result,
    make_visible,
    mark_failed,
    progress_heartbeat,
)
from viblio_pipeline.catalog.status import AssetKind
from viblio_pipeline.media.errors import MediaError
from viblio_pipeline.media.probe import ProbeResult, probe
from viblio_pipeline.media.transcode import Rendition, transcode
from viblio_pipeline.storage.keys import media_key

MP4 = "video/mp4"


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    media_uuid, user_uuid = media_ids(payload)
    original_key = dependency_result(payload, "upload", "key")
    settings = ctx.config.settings.media.transcode
    with ctx.store.open_local(original_key) as original, \
            tempfile.TemporaryDirectory(prefix="viblio-transcode-") as tmp:
        try:
            facts = probe(original, label=_upload_name(payload, original_key))
            ctx.heartbeat(phase="probed", duration=facts.duration)
            renditions = transcode(original, facts, Path(tmp), settings,
                                   on_progress=progress_heartbeat(ctx, "transcoding"))
        except MediaError as exc:
            if not exc.retry:  # the workflow fails on this: say why on the media itself
                mark_failed(ctx, media_uuid, exc.message)
            raise as_activity_error(exc) from exc
        ctx.heartbeat(phase="storing")
        stored = [_store(ctx, user_uuid, media_uuid, r) for r in renditions]
    main = stored[-1]
    _record_main(ctx, media_uuid, main, facts)
    ctx.catalog.update_media(media_uuid, duration=facts.duration, width=facts.width, height=facts.height,
                             recorded_at=facts.recorded_at)
    make_visible(ctx, media_uuid)
    return {"probe": facts.to_json(), "renditions": stored, "main": main["key"]}


def _upload_name(payload: Payload, original_key: str) -> str:
    """The user's own file name for messages they may read, else the stored name."""
    original = payload.get("original")
    filename = original.get("filename") if isinstance(original, dict) else None
    return filename if isinstance(filename, str) and filename else original_key.rsplit("/", 1)[-1]


def _store(ctx: ActivityContext, user_uuid: str, media_uuid: str, rendition: Rendition) -> dict[str, Any]:
    plan = rendition.plan
    key = media_key(user_uuid, media_uuid, "renditions", plan.filename)
    obj = ctx.store.put_file(key, rendition.path, MP4)
    ctx.catalog.add_asset(media_uuid, AssetKind.RENDITION.value, obj.uri, MP4, obj.size,
                          width=plan.width, height=plan.height, name=plan.name,
                          metadata={"key": key, "crf": plan.crf, "max_video_bitrate": plan.video_bitrate})
    ctx.heartbeat(phase="storing", stored=plan.name)
    return {"name": plan.name, "key": key, "uri": obj.uri, "width": plan.width, "height": plan.height,
            "bytes": obj.size}


def _record_main(ctx: ActivityContext, media_uuid: str, main: dict[str, Any], facts: ProbeResult) -> None:
    """The largest rendition is the one players load first."""
    ctx.catalog.add_asset(media_uuid, AssetKind.MAIN.value, main["uri"], MP4, main["bytes"],
                          width=main["width"], height=main["height"], name=None,
                          metadata={"key": main["key"], "rendition": main["name"],
                                    "has_audio": facts.has_audio, "duration": facts.duration})
