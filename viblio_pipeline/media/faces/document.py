"""The faces JSON stored next to a media: every track, its crop, its descriptor.

It is what detect_faces hands on (by key, never inline: SWF results are
limited to 32,768 characters) and what a person or a later tool can read
without the catalog. Versioned so readers can refuse what they don't know.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from viblio_pipeline.media.faces.analyse import FaceTrack, VideoFaces

VERSION = 1
DESCRIPTOR_DIGITS = 6


def crop_name(track_number: int) -> str:
    """The file name of a track's crop; also its asset name without the extension."""
    return f"track-{track_number:03d}.jpg"


def face_entry(track: FaceTrack, crop_key: str, crop_uri: str) -> dict[str, Any]:
    box = track.box
    return {
        "track": track.number,
        "start": round(track.start, 3),
        "end": round(track.end, 3),
        "detections": track.detections,
        "best_time": round(track.best_time, 3),
        "box": [round(box.left), round(box.top), round(box.width), round(box.height)],
        "confidence": round(track.confidence, 4),
        "quality": {
            "detector": round(track.quality.detector, 4),
            "sharpness": round(track.quality.sharpness, 4),
            "size": round(track.quality.size, 4),
            "frontal": round(track.quality.frontal, 4),
        },
        "crop_key": crop_key,
        "crop_uri": crop_uri,
        "descriptor": [round(float(v), DESCRIPTOR_DIGITS) for v in track.descriptor],
    }


def build(media_uuid: str, video: VideoFaces, sample_fps: float, entries: Sequence[dict[str, Any]]) -> bytes:
    document = {
        "version": VERSION,
        "media_uuid": media_uuid,
        "video": {
            "duration": video.duration,
            "width": video.width,
            "height": video.height,
            "frames_decoded": video.frames_decoded,
            "frames_sampled": video.frames_sampled,
            "sample_fps": sample_fps,
            "detections": video.detections,
        },
        "faces": list(entries),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse(data: bytes, where: str) -> dict[str, Any]:
    """A faces document, checked enough to be used; `where` names it in errors."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"{where}: not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("version") != VERSION:
        found = document.get("version") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"{where}: not a faces document of version {VERSION} (found {found!r})")
    if not isinstance(document.get("faces"), list):
        raise ValueError(f"{where}: 'faces' must be a list")
    return document
