"""dlib's models behind one small interface: find faces, then describe them.

HOG frontal detector (fast on CPU), 5-point shape predictor and the ResNet
128-d descriptor. Loading the models takes a second or so, so one engine is
built per worker process and reused for every task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np
from numpy.typing import NDArray

from viblio_pipeline.media.faces.geometry import Box
from viblio_pipeline.media.faces.models import locate_models

Image = NDArray[np.uint8]
Point = tuple[float, float]


@dataclass(frozen=True, eq=False)
class FoundFace:
    """One face in one image, in that image's pixels."""

    box: Box
    score: float
    landmarks: tuple[Point, ...]
    descriptor: NDArray[np.float64]


class FaceEngine:
    def __init__(self, upsample: int = 1, min_face_px: int = 40, models_dir: str | Path | None = None) -> None:
        files = locate_models(models_dir)
        self.upsample = upsample
        self.min_face_px = min_face_px
        self._detector = dlib.get_frontal_face_detector()
        self._shapes = dlib.shape_predictor(str(files.shape_predictor))
        self._describer = dlib.face_recognition_model_v1(str(files.descriptor))

    def find(self, image: Image) -> list[FoundFace]:
        """Every face at least min_face_px wide, with landmarks and descriptor."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
        pixels = np.ascontiguousarray(image)
        rects, scores, _ = self._detector.run(pixels, self.upsample, 0.0)
        faces: list[FoundFace] = []
        height, width = pixels.shape[:2]
        for rect, score in zip(rects, scores, strict=True):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(width, rect.right() + 1), min(height, rect.bottom() + 1)
            if right - left < self.min_face_px or bottom <= top:
                continue
            shape = self._shapes(pixels, rect)
            landmarks = tuple((float(p.x), float(p.y)) for p in shape.parts())
            descriptor = np.asarray(self._describer.compute_face_descriptor(pixels, shape), dtype=np.float64)
            faces.append(FoundFace(Box(left, top, right, bottom), float(score), landmarks, descriptor))
        return faces
