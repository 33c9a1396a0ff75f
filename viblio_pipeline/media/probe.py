"""What a video file is: duration, displayed size, rotation, codecs, recording time.

Probing opens the file with PyAV (the same libav* as ffmpeg) and decodes one
frame, so "the header parses but nothing decodes" is caught here, before any
transcode time is spent. Anything that is not a readable video raises
UnsupportedMedia with a reason a person understands.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from viblio_pipeline.media.errors import UnsupportedMedia

STILL_IMAGE_FORMATS = frozenset({"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe"})
CREATION_TIME_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")


@dataclass(frozen=True)
class ProbeResult:
    """A video's facts. width/height are as displayed (rotation and pixel shape applied)."""

    duration: float
    video_stream: int
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    video_codec: str
    audio_codec: str | None
    fps: float | None
    container: str
    recorded_at: datetime | None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["has_audio"] = self.has_audio
        data["recorded_at"] = self.recorded_at.isoformat() if self.recorded_at else None
        return data


def probe(path: Path, label: str | None = None) -> ProbeResult:
    """Probe a local file, or raise UnsupportedMedia saying why it is not a usable video.

    label names the file in messages (e.g. the user's own file name), default path.name.
    """
    name = label or path.name
    if path.stat().st_size == 0:
        raise UnsupportedMedia(f"{name} is empty (0 bytes)")
    try:
        container = av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        raise UnsupportedMedia(
            f"{name} is not a video file: its format is not recognised ({_why(exc)})"
        ) from exc
    with container:
        if container.format.name in STILL_IMAGE_FORMATS:
            raise UnsupportedMedia(f"{name} is a still image, not a video")
        video = moving_picture(container)
        if video is None:
            kind = "an audio file" if container.streams.audio else "a file without any video stream"
            raise UnsupportedMedia(f"{name} is {kind}: there is no video to show")
        audio = container.streams.audio[0] if container.streams.audio else None
        frame = _first_frame(container, video, name)
        rotation = normalize_rotation(float(getattr(frame, "rotation", 0) or 0))
        sar = video.sample_aspect_ratio or Fraction(1)
        display_w, display_h = display_size(frame.width, frame.height, rotation, Fraction(sar))
        return ProbeResult(
            duration=_duration(container, video, name),
            video_stream=video.index,
            width=display_w,
            height=display_h,
            coded_width=frame.width,
            coded_height=frame.height,
            rotation=rotation,
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name if audio is not None else None,
            fps=float(video.average_rate) if video.average_rate else None,
            container=container.format.name,
            recorded_at=recorded_at(dict(container.metadata), dict(video.metadata)),
        )


def moving_picture(container: Any) -> Any:
    """The first video stream that is not just cover art (an MP3's album picture)."""
    for stream in container.streams.video:
        if not stream.disposition & (av.stream.Disposition.attached_pic | av.stream.Disposition.still_image):
            return stream
    return None


def _first_frame(container: Any, video: Any, name: str) -> Any:
    try:
        for frame in container.decode(video):
            return frame
    except av.FFmpegError as exc:
        raise UnsupportedMedia(f"{name} is corrupt: its video cannot be decoded ({_why(exc)})") from exc
    raise UnsupportedMedia(f"{name} is corrupt or truncated: it holds no decodable video frame")


def _why(exc: Exception) -> str:
    """libav's own words, without the errno and path PyAV adds."""
    return str(getattr(exc, "strerror", None) or exc)


def _duration(container: Any, video: Any, name: str) -> float:
    """Seconds, from the container, else the stream, else the last packet (streamed, not loaded)."""
    if container.duration and container.duration > 0:
        return float(container.duration / av.time_base)
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    end = 0.0
    container.seek(0)
    for packet in container.demux(video):
        if packet.pts is not None and packet.time_base:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    if end <= 0:
        raise UnsupportedMedia(f"{name} has no measurable duration")
    return end


def normalize_rotation(degrees: float) -> int:
    """The display rotation snapped to 0, 90, 180 or 270 (counter-clockwise)."""
    return round(degrees / 90.0) * 90 % 360


def display_size(width: int, height: int, rotation: int, sample_aspect: Fraction) -> tuple[int, int]:
    """The picture size a player shows: non-square pixels stretched, then rotated."""
    if sample_aspect > 0 and sample_aspect != 1:
        width = max(1, round(width * sample_aspect))
    if rotation in (90, 270):
        return height, width
    return width, height


def recorded_at(*metadata: dict[str, str]) -> datetime | None:
    """When the video was shot, from the first plausible creation-time tag (UTC)."""
    for tags in metadata:
        for key in CREATION_TIME_KEYS:
            value = tags.get(key)
            parsed = _parse_time(value) if value else None
            if parsed is not None:
                return parsed
    return None


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    # MP4 writers that know no date store zero (1904 or 1970): not a recording time.
    return parsed if parsed.year > 1970 else None
