"""Decoded frames from a video file, sampled for face analysis (PyAV).

Every frame is decoded (cheap: thousands of frames a second at 360p with
frame threading) and shrunk to a grey thumbnail for scene-change detection;
only sampled frames are converted to full-size RGB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from viblio_pipeline.media.faces.sampling import THUMB_SIZE, SampleClock, scene_score

Image = NDArray[np.uint8]


class UnreadableVideo(ValueError):
    """The file has no decodable video stream."""


@dataclass(frozen=True, eq=False)
class SampledFrame:
    time: float
    image: Image            # full-size RGB, for crops
    detect_image: Image     # RGB at most detect_width wide, for the detector
    scene_change: bool

    @property
    def scale(self) -> float:
        """Full-size pixels per detect-image pixel."""
        return float(self.image.shape[1]) / float(self.detect_image.shape[1])


class FrameSampler:
    """Iterate over the sampled frames of one video; counters are readable meanwhile."""

    def __init__(self, path: Path, sample_fps: float, scene_threshold: float, detect_width: int) -> None:
        self.path = path
        self.clock = SampleClock(sample_fps, scene_threshold)
        self.detect_width = detect_width
        self.frames_decoded = 0
        self.frames_sampled = 0
        self.duration: float | None = None
        self.width = 0
        self.height = 0

    def __iter__(self) -> Iterator[SampledFrame]:
        try:
            container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise UnreadableVideo(f"{self.path}: cannot open as a video: {exc}") from exc
        with container:
            if not container.streams.video:
                raise UnreadableVideo(f"{self.path}: no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            self.duration = _duration(container, stream)
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            previous: Image | None = None
            try:
                for frame in container.decode(stream):
                    time = frame.time if frame.time is not None else self.frames_decoded / rate
                    self.frames_decoded += 1
                    thumb = thumbnail(frame)
                    score = scene_score(previous, thumb)
                    previous = thumb
                    if not self.clock.take(time, score):
                        continue
                    self.frames_sampled += 1
                    self.width, self.height = frame.width, frame.height
                    yield SampledFrame(
                        time=float(time),
                        image=_pixels(frame, format="rgb24"),
                        detect_image=self._detect_image(frame),
                        scene_change=self.clock.cut,
                    )
            except av.error.FFmpegError as exc:
                raise UnreadableVideo(f"{self.path}: decoding failed after {self.frames_decoded} frames: {exc}") \
                    from exc
        if self.frames_decoded == 0:
            raise UnreadableVideo(f"{self.path}: the video stream has no decodable frame")

    def _detect_image(self, frame: av.VideoFrame) -> Image:
        if frame.width <= self.detect_width:
            return _pixels(frame, format="rgb24")
        height = max(2, round(frame.height * self.detect_width / frame.width))
        return _pixels(frame, width=self.detect_width, height=height, format="rgb24")


LUMA_FIRST = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray")


def thumbnail(frame: av.VideoFrame) -> Image:
    """A THUMB_SIZE grey thumbnail for scene-change scores.

    For YUV frames it is read straight from the luma plane, a few samples per
    cell, with no conversion: this runs on every decoded frame, and a scaled
    conversion would cost more than decoding.
    """
    width, height = THUMB_SIZE
    if frame.format.name not in LUMA_FIRST or frame.width < 2 * width or frame.height < 2 * height:
        return _pixels(frame, width=width, height=height, format="gray", interpolation="FAST_BILINEAR")
    plane = frame.planes[0]
    luma = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(plane.height, plane.line_size)
    sy, sx = frame.height // height, frame.width // width
    a = luma[0:sy * height:sy, 0:sx * width:sx].astype(np.uint16)
    b = luma[sy // 2:sy * height:sy, sx // 2:sx * width:sx]
    return np.asarray((a + b) // 2, dtype=np.uint8)


def _pixels(frame: av.VideoFrame, **reformat: Any) -> Image:
    return np.asarray(frame.to_ndarray(**reformat), dtype=np.uint8)


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None
