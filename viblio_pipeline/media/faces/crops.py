"""Face crops: cut from the full-size frame with a margin, encoded as JPEG."""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage

from viblio_pipeline.media.faces.geometry import Box
from viblio_pipeline.media.faces.quality import SHARPNESS_SIZE

Image = NDArray[np.uint8]

CROP_MARGIN = 0.35
JPEG_QUALITY = 90


def cut(image: Image, box: Box) -> Image:
    """A copy of the box's pixels (a copy, so the frame itself can be freed)."""
    left, top, right, bottom = box.pixels()
    height, width = image.shape[:2]
    region = image[max(0, top):min(height, bottom), max(0, left):min(width, right)]
    if region.size == 0:
        raise ValueError(f"box {box} lies outside the {width}x{height} frame")
    return region.copy()


def portrait(image: Image, face: Box) -> Image:
    """The face with some hair, chin and shoulders: the picture shown to people."""
    height, width = image.shape[:2]
    return cut(image, face.with_margin(CROP_MARGIN, width, height))


def grey_for_sharpness(image: Image, face: Box) -> NDArray[np.uint8]:
    """The face box in grey at the fixed size used to compare sharpness."""
    region = PILImage.fromarray(cut(image, face)).convert("L")
    resized = region.resize((SHARPNESS_SIZE, SHARPNESS_SIZE), PILImage.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def encode_jpeg(image: Image) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(image).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
