"""Which decoded frames to analyse: a steady rate, plus the first frame of a new shot.

A steady rate alone can skip a short shot entirely; a scene change triggers an
extra sample, but never closer than `min_spacing` to the previous one so a
flashing light cannot turn sampling into full-rate decoding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

THUMB_SIZE = (64, 36)        # width, height of the grey thumbnails compared for scene changes


def scene_score(previous: NDArray[np.uint8] | None, current: NDArray[np.uint8]) -> float:
    """Mean absolute difference of two grey thumbnails, in [0, 1] (1 = black to white)."""
    if previous is None:
        return 1.0
    if previous.shape != current.shape:
        raise ValueError(f"thumbnails differ in shape: {previous.shape} vs {current.shape}")
    diff = np.abs(previous.astype(np.int16) - current.astype(np.int16))
    return float(diff.mean()) / 255.0


class SampleClock:
    """Decides, frame by frame, whether a frame is sampled.

    After a sample is taken, `cut` tells whether a scene change happened since
    the previous sample (even on a frame that was itself skipped).
    """

    def __init__(self, sample_fps: float, scene_threshold: float, min_spacing: float | None = None) -> None:
        if sample_fps <= 0:
            raise ValueError(f"sample_fps must be positive, got {sample_fps}")
        self.interval = 1.0 / sample_fps
        self.scene_threshold = scene_threshold
        self.min_spacing = self.interval / 4 if min_spacing is None else min_spacing
        self.cut = False
        self._pending_cut = False
        self._last: float | None = None

    def take(self, time: float, scene: float) -> bool:
        """True if the frame at `time` with this scene score should be analysed."""
        if self.scene_threshold > 0 and scene >= self.scene_threshold:
            self._pending_cut = True
        if self._last is None:
            taken = True
        else:
            elapsed = time - self._last
            due = elapsed >= self.interval - 1e-6
            taken = due or (self._pending_cut and elapsed >= self.min_spacing)
        if taken:
            self.cut = self._pending_cut and self._last is not None
            self._pending_cut = False
            self._last = time
        return taken
