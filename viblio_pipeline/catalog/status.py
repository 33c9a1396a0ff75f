"""The media lifecycle and stage-record vocabularies (pure rules, no I/O).

A media moves pending -> processing -> visible -> complete; any unfinished
state may fail. A state may be set again (a retried stage repeats itself), and
a failed media may be processed again by a new workflow.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class MediaStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    VISIBLE = "visible"
    COMPLETE = "complete"
    FAILED = "failed"


class StageStatus(StrEnum):
    """What a stage record says; RUNNING stamps started_at, the rest finished_at."""

    RUNNING = "running"
    WAITING = "waiting"  # parked for human review, completed later by task token
    COMPLETED = "completed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class ReviewStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    ANSWERED = "answered"
    NOT_A_FACE = "not_a_face"


class AssetKind(StrEnum):
    ORIGINAL = "original"
    MAIN = "main"  # the main playable rendition
    RENDITION = "rendition"  # other renditions, named e.g. "360p"
    POSTER = "poster"
    THUMBNAIL = "thumbnail"
    ANIMATED = "animated"  # the short animated preview
    FACE_CROP = "face_crop"  # named by track, e.g. "track-3"
    FACES_JSON = "faces_json"


class IllegalTransition(ValueError):
    """A media status change the lifecycle does not allow."""


_NEXT: dict[MediaStatus, frozenset[MediaStatus]] = {
    MediaStatus.PENDING: frozenset({MediaStatus.PROCESSING, MediaStatus.FAILED}),
    MediaStatus.PROCESSING: frozenset({MediaStatus.VISIBLE, MediaStatus.FAILED}),
    MediaStatus.VISIBLE: frozenset({MediaStatus.COMPLETE, MediaStatus.FAILED}),
    MediaStatus.COMPLETE: frozenset(),
    MediaStatus.FAILED: frozenset({MediaStatus.PENDING, MediaStatus.PROCESSING}),
}

FINISHED_STAGE_STATES = frozenset(StageStatus) - {StageStatus.RUNNING, StageStatus.WAITING}


def parse_enum(kind: type[E], value: str, what: str) -> E:
    """value as a member of kind, or a ValueError listing the allowed values."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValueError(f"{what} {value!r} is not one of: {allowed}") from None


def check_transition(media_uuid: str, current: str, new: str) -> MediaStatus:
    """The new status if the lifecycle allows current -> new, else IllegalTransition."""
    old = parse_enum(MediaStatus, current, "current media status")
    target = parse_enum(MediaStatus, new, "media status")
    if target != old and target not in _NEXT[old]:
        allowed = ", ".join(sorted(s.value for s in _NEXT[old])) or "none (final)"
        raise IllegalTransition(
            f"media {media_uuid}: cannot go from {old.value!r} to {target.value!r} "
            f"(allowed from {old.value!r}: {allowed})"
        )
    return target
