"""Media failures, each saying whether trying again could help.

The media library knows nothing of SWF; stage handlers turn these into
ActivityError with the same code, message and retry flag.
"""

from __future__ import annotations


class MediaError(Exception):
    """A media operation failed; `retry` says whether another attempt may succeed."""

    code = "media_error"
    retry = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMedia(MediaError):
    """The input is not a video we can read: trying again will not change that."""

    code = "unsupported_media"
    retry = False


class FfmpegFailed(MediaError):
    """ffmpeg exited with an error (disk full, killed, a crash): worth another try."""

    code = "ffmpeg_failed"


class FfmpegStalled(MediaError):
    """ffmpeg made no progress for too long and was killed: worth another try."""

    code = "ffmpeg_stalled"
