"""Face boxes in frame pixels and the little arithmetic tracking needs."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned box, [left, right) x [top, bottom), in pixels."""

    left: float
    top: float
    right: float
    bottom: float

    def __post_init__(self) -> None:
        if not (self.right > self.left and self.bottom > self.top):
            raise ValueError(f"box {self} has no area: right/bottom must exceed left/top")

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def scaled(self, factor: float) -> Box:
        return Box(self.left * factor, self.top * factor, self.right * factor, self.bottom * factor)

    def iou(self, other: Box) -> float:
        """Intersection over union: 1 for the same box, 0 for disjoint ones."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        if width <= 0 or height <= 0:
            return 0.0
        inter = width * height
        return inter / (self.area + other.area - inter)

    def displacement(self, other: Box) -> float:
        """Centre distance in units of the larger box width (scale-free motion)."""
        (x1, y1), (x2, y2) = self.center, other.center
        return math.hypot(x1 - x2, y1 - y2) / max(self.width, other.width)

    def with_margin(self, fraction: float, frame_width: int, frame_height: int) -> Box:
        """The box grown by `fraction` of its size on each side, kept inside the frame.

        A portrait crop needs hair and chin, not just the detector's tight box.
        """
        dx, dy = self.width * fraction, self.height * fraction
        return Box(
            max(0.0, self.left - dx),
            max(0.0, self.top - dy * 1.2),
            min(float(frame_width), self.right + dx),
            min(float(frame_height), self.bottom + dy * 0.8),
        )

    def pixels(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) rounded to whole pixels, for slicing."""
        return (math.floor(self.left), math.floor(self.top), math.ceil(self.right), math.ceil(self.bottom))
