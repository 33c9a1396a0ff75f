"""Poster, thumbnail and a short animated preview of a video.

The poster is the most detailed of a few candidate frames spread over the
video, after dropping black, washed-out and flat ones (fades, title cards,
a lens cap): a frame's brightness spread is a cheap, good proxy for "shows
something". Candidates are reached by seeking, one decoded frame in memory at
a time, so cost does not grow with the video's length. The animated preview
is cut around the poster's moment by ffmpeg (WebP or GIF).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from viblio_pipeline.config.schema import PreviewsConfig
from viblio_pipeline.media.errors import UnsupportedMedia
from viblio_pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg

CANDIDATES = 9
DARK_MEAN = 24.0
BRIGHT_MEAN = 235.0
FLAT_STD = 12.0
SCORE_SIZE = (160, 90)


@dataclass(frozen=True)
class FrameScore:
    """How a candidate frame looks: mean and spread of its luma (0-255)."""

    time: float
    mean: float
    std: float

    @property
    def usable(self) -> bool:
        return DARK_MEAN <= self.mean <= BRIGHT_MEAN and self.std >= FLAT_STD


@dataclass(frozen=True)
class PreviewFile:
    """An image written to local disk."""

    path: Path
    width: int
    height: int
    mime_type: str


@dataclass(frozen=True)
class Previews:
    poster: PreviewFile
    thumbnail: PreviewFile
    animated: PreviewFile
    poster_time: float


def candidate_times(duration: float, count: int = CANDIDATES) -> list[float]:
    """Evenly spread moments, skipping the very start and end (fades, slates)."""
    if duration <= 0:
        return [0.0]
    return [duration * (i + 1) / (count + 1) for i in range(count)]


def score_luma(time: float, luma: np.ndarray) -> FrameScore:
    values = luma.astype(np.float32)
    return FrameScore(time=time, mean=float(values.mean()), std=float(values.std()))


def pick_poster(scores: Sequence[FrameScore]) -> FrameScore:
    """The most detailed usable frame; if none is usable, the least bad one."""
    if not scores:
        raise ValueError("no candidate frames to choose a poster from")
    usable = [s for s in scores if s.usable]
    if usable:
        return max(usable, key=lambda s: s.std)
    return max(scores, key=lambda s: (s.std, -abs(s.mean - 128.0)))


def animated_window(duration: float, around: float, seconds: float) -> tuple[float, float]:
    """(start, length) of a clip of `seconds` centred on `around`, kept inside the video."""
    length = min(seconds, duration) if duration > 0 else seconds
    start = min(max(around - length / 2, 0.0), max(duration - length, 0.0))
    return start, length


def _frames_at(path: Path, times: Sequence[float]) -> Iterator[tuple[float, av.VideoFrame]]:
    """The first frame at or after each time (one frame in memory at a time)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UnsupportedMedia(f"{path.name} has no video stream to take previews from")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            time_base = stream.time_base
            origin = float(stream.start_time * time_base) if stream.start_time and time_base else 0.0
            for target in times:
                if time_base:
                    container.seek(int((origin + target) / time_base), stream=stream, backward=True)
                chosen = None
                for frame in container.decode(stream):
                    chosen = frame
                    if frame.time is None or frame.time - origin >= target - 1e-3:
                        break
                if chosen is not None:
                    yield (chosen.time - origin if chosen.time is not None else target), chosen
    except av.FFmpegError as exc:
        why = getattr(exc, "strerror", None) or exc
        raise UnsupportedMedia(f"{path.name} cannot be decoded for previews ({why})") from exc


def choose_poster_time(path: Path, duration: float) -> float:
    scores = [
        score_luma(time, frame.reformat(width=SCORE_SIZE[0], height=SCORE_SIZE[1], format="gray")
                   .to_ndarray())
        for time, frame in _frames_at(path, candidate_times(duration))
    ]
    if not scores:
        raise UnsupportedMedia(f"{path.name} has no decodable frame for a poster")
    return pick_poster(scores).time


def _save_scaled(frame_image: Image.Image, width: int, path: Path) -> PreviewFile:
    """Save as JPEG at `width` (never enlarged), keeping the aspect ratio."""
    if frame_image.width > width:
        height = max(1, round(frame_image.height * width / frame_image.width))
        frame_image = frame_image.resize((width, height), Image.Resampling.LANCZOS)
    frame_image.convert("RGB").save(path, "JPEG", quality=85, optimize=True)
    return PreviewFile(path, frame_image.width, frame_image.height, "image/jpeg")


def make_stills(
    path: Path, poster_time: float, settings: PreviewsConfig, out_dir: Path
) -> tuple[PreviewFile, PreviewFile]:
    """The poster and thumbnail JPEGs of the frame at poster_time."""
    for _, frame in _frames_at(path, [poster_time]):
        image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
        poster = _save_scaled(image, settings.poster_width, out_dir / "poster.jpg")
        thumbnail = _save_scaled(image, settings.thumbnail_width, out_dir / "thumbnail.jpg")
        return poster, thumbnail
    raise UnsupportedMedia(f"{path.name}: the frame at {poster_time:.2f} s cannot be decoded")


def animated_args(
    source: Path, start: float, length: float, width: int, settings: PreviewsConfig, out: Path
) -> list[str]:
    scale = f"fps={settings.animated_fps},scale={width}:-2:flags=lanczos"
    args = ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(source), "-an"]
    if settings.animated_format == "gif":
        graph = f"{scale},split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer"
        return [*args, "-filter_complex", graph, "-loop", "0", "-f", "gif", str(out)]
    return [*args, "-vf", scale, "-c:v", "libwebp_anim", "-quality", "60", "-loop", "0",
            "-f", "webp", str(out)]


def make_animated(
    source: Path,
    duration: float,
    source_width: int,
    around: float,
    settings: PreviewsConfig,
    out_dir: Path,
    stall_seconds: float,
    on_progress: ProgressCallback | None = None,
) -> PreviewFile:
    start, length = animated_window(duration, around, settings.animated_seconds)
    width = min(settings.animated_width, source_width) // 2 * 2 or 2
    out = out_dir / f"animated.{settings.animated_format}"
    run_ffmpeg(animated_args(source, start, length, width, settings, out),
               stall_seconds=stall_seconds, duration=length, on_progress=on_progress, what="animated preview")
    with Image.open(out) as image:
        size = image.size
    return PreviewFile(out, size[0], size[1], f"image/{settings.animated_format}")


def make_previews(
    source: Path,
    duration: float,
    source_width: int,
    settings: PreviewsConfig,
    out_dir: Path,
    stall_seconds: float,
    on_progress: ProgressCallback | None = None,
) -> Previews:
    """All previews of an upright video (a transcoded rendition) into out_dir."""
    poster_time = choose_poster_time(source, duration)
    poster, thumbnail = make_stills(source, poster_time, settings, out_dir)
    animated = make_animated(source, duration, source_width, poster_time, settings, out_dir,
                             stall_seconds, on_progress)
    return Previews(poster=poster, thumbnail=thumbnail, animated=animated, poster_time=poster_time)
