"""One video in, its face tracks out: sampling, detection, quality, tracking.

No storage or catalog here: the detect_faces activity stores what this
returns. Progress is reported after every sampled frame through `on_progress`,
which may raise to stop the analysis (e.g. on a cancel request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from viblio_pipeline.config.schema import FacesConfig
from viblio_pipeline.media.faces import crops
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.frames import FrameSampler, SampledFrame
from viblio_pipeline.media.faces.geometry import Box
from viblio_pipeline.media.faces.quality import Quality, assess, track_confidence
from viblio_pipeline.media.faces.tracking import Observation, Track, Tracker

Image = NDArray[np.uint8]


@dataclass(frozen=True)
class Progress:
    seconds: float
    duration: float | None
    frames_sampled: int
    detections: int
    tracks: int


@dataclass(frozen=True, eq=False)
class Candidate:
    """What an observation carries besides what tracking needs: the picture and why it is good."""

    crop: Image
    quality: Quality
    landmarks: tuple[tuple[float, float], ...]


@dataclass(frozen=True, eq=False)
class FaceTrack:
    number: int
    start: float
    end: float
    detections: int
    best_time: float
    box: Box                      # the best face's box in full-frame pixels
    quality: Quality
    confidence: float
    descriptor: NDArray[np.float64]
    crop: Image


@dataclass(frozen=True, eq=False)
class VideoFaces:
    tracks: list[FaceTrack]
    duration: float | None
    width: int
    height: int
    frames_decoded: int
    frames_sampled: int
    detections: int


def observe(frame: SampledFrame, engine: FaceEngine, min_face_px: int) -> list[Observation]:
    """The faces of one sampled frame, boxes in full-frame pixels, each with its crop and quality."""
    observations = []
    for found in engine.find(frame.detect_image):
        box = found.box.scaled(frame.scale)
        quality = assess(found.score, crops.grey_for_sharpness(frame.image, box), box.width,
                         found.landmarks, min_face_px)
        candidate = Candidate(crops.portrait(frame.image, box), quality, found.landmarks)
        observations.append(Observation(frame.time, box, found.descriptor, quality.score, candidate))
    return observations


def summarise(track: Track) -> FaceTrack:
    best = track.best
    assert isinstance(best.crop, Candidate)
    return FaceTrack(
        number=track.number,
        start=track.first.time,
        end=track.last.time,
        detections=track.count,
        best_time=best.time,
        box=best.box,
        quality=best.crop.quality,
        confidence=track_confidence(best.quality, track.count),
        descriptor=track.descriptor,
        crop=best.crop.crop,
    )


def analyse_video(
    path: Path,
    settings: FacesConfig,
    engine: FaceEngine,
    on_progress: Callable[[Progress], None] | None = None,
) -> VideoFaces:
    sampler = FrameSampler(path, settings.sample_fps, settings.scene_change_threshold, settings.detect_width)
    tracker = Tracker(settings.track_max_gap_seconds, settings.track_max_distance)
    detections = 0
    for frame in sampler:
        observations = observe(frame, engine, settings.min_face_px)
        detections += len(observations)
        if frame.scene_change:
            tracker.cut()
        tracker.add_frame(frame.time, observations)
        if on_progress is not None:
            on_progress(Progress(frame.time, sampler.duration, sampler.frames_sampled, detections,
                                 len(tracker.tracks)))
    return VideoFaces(
        tracks=[summarise(t) for t in tracker.tracks],
        duration=sampler.duration,
        width=sampler.width,
        height=sampler.height,
        frames_decoded=sampler.frames_decoded,
        frames_sampled=sampler.frames_sampled,
        detections=detections,
    )
