"""How good a face crop is as a picture and as evidence: a score in [0, 1].

Four cues, each in [0, 1], combined as a weighted mean so that the score is
explainable: the detector's own score (is it a face at all), sharpness (motion
blur and defocus ruin both pictures and descriptors), size in pixels, and how
frontal the face is (from dlib's 5 landmarks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Point = tuple[float, float]

WEIGHTS = {"detector": 0.35, "sharpness": 0.25, "size": 0.2, "frontal": 0.2}
SHARPNESS_SIZE = 96          # crops are compared at one size so big faces are not favoured twice
SHARPNESS_HALF = 60.0        # Laplacian variance that scores 0.5
FULL_SIZE_FACTOR = 3.0       # a face this many times min_face_px wide scores 1 on size


@dataclass(frozen=True)
class Quality:
    detector: float
    sharpness: float
    size: float
    frontal: float

    @property
    def score(self) -> float:
        return (
            WEIGHTS["detector"] * self.detector
            + WEIGHTS["sharpness"] * self.sharpness
            + WEIGHTS["size"] * self.size
            + WEIGHTS["frontal"] * self.frontal
        )


def clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


def detector_cue(hog_score: float) -> float:
    """dlib's HOG scores real faces about 0.5-2.5; the default threshold is 0."""
    return clamp01((hog_score + 0.5) / 2.0)


def size_cue(face_width_px: float, min_face_px: int) -> float:
    """0 at the configured minimum width, 1 from FULL_SIZE_FACTOR times it."""
    span = (FULL_SIZE_FACTOR - 1.0) * min_face_px
    return clamp01((face_width_px - min_face_px) / span)


def laplacian_variance(gray: NDArray[np.floating] | NDArray[np.uint8]) -> float:
    """Variance of the 4-neighbour Laplacian: low for blurred images."""
    g = np.asarray(gray, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] < 3 or g.shape[1] < 3:
        raise ValueError(f"sharpness needs a 2-D grey image of at least 3x3 pixels, got shape {g.shape}")
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(lap.var())


def sharpness_cue(laplacian_var: float) -> float:
    """A saturating map of Laplacian variance: v / (v + SHARPNESS_HALF)."""
    v = max(0.0, laplacian_var)
    return v / (v + SHARPNESS_HALF)


def frontal_cue(landmarks: tuple[Point, ...]) -> float:
    """1 for a face looking at the camera, falling to 0 as it turns aside.

    dlib's 5-point model gives two corners of each eye (0-1, 2-3) and the base
    of the nose (4). Looking at the camera, the nose sits midway between the
    eyes; turned by yaw, it slides toward one eye. The cue is 1 minus twice the
    nose's offset from the midpoint, measured along the eye line in units of
    the distance between the eyes.
    """
    if len(landmarks) != 5:
        raise ValueError(f"frontal_cue needs dlib's 5 landmarks, got {len(landmarks)}")
    pts = np.asarray(landmarks, dtype=np.float64)
    eye_a, eye_b, nose = pts[0:2].mean(axis=0), pts[2:4].mean(axis=0), pts[4]
    axis = eye_a - eye_b
    interocular = float(np.hypot(*axis))
    if interocular == 0:
        return 0.0
    along = float(np.dot(nose - (eye_a + eye_b) / 2, axis / interocular))
    return clamp01(1.0 - 2.0 * abs(along) / interocular)


def assess(
    hog_score: float,
    face_gray: NDArray[np.uint8],
    face_width_px: float,
    landmarks: tuple[Point, ...],
    min_face_px: int,
) -> Quality:
    """The quality of one detection; `face_gray` is its box, already resized to SHARPNESS_SIZE."""
    return Quality(
        detector=detector_cue(hog_score),
        sharpness=sharpness_cue(laplacian_variance(face_gray)),
        size=size_cue(face_width_px, min_face_px),
        frontal=frontal_cue(landmarks),
    )


def track_confidence(best_quality: float, detections: int) -> float:
    """A track's confidence: its best crop's quality, discounted when seen only once or twice.

    A face seen in several sampled frames is rarely a false detection; a
    single hit may be a pattern in the wallpaper.
    """
    if detections < 1:
        raise ValueError("a track has at least one detection")
    support = min(1.0, 0.6 + 0.2 * (detections - 1))
    return clamp01(best_quality * support)
