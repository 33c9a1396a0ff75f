"""Short videos built from still photos: camera pans and zooms, and face-free shots.

Tests and benchmarks need videos with known faces at known times; real
footage cannot ship with the project, but real photos can (scikit-image's
astronaut, face_recognition's test images). Each shot moves a 16:9 window
over one photo, so faces drift and change size as in hand-held video.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage

Image = NDArray[np.uint8]
Motion = Literal["still", "pan", "zoom"]


@dataclass(frozen=True, eq=False)
class Shot:
    """`seconds` of video looking at `photo` around `focus` (fractions of its width, height).

    `zoom` is the window's width as a fraction of the photo's (at the start
    of a zoom shot; it ends at `zoom * 0.7`); a pan slides the focus by
    `pan` of the photo's width across the shot.
    """

    photo: Image
    seconds: float
    motion: Motion = "still"
    focus: tuple[float, float] = (0.5, 0.3)
    zoom: float = 1.0
    pan: float = 0.15

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"shot duration must be positive, got {self.seconds}")
        if not 0 < self.zoom <= 1:
            raise ValueError(f"shot zoom must be in (0, 1], got {self.zoom}")
        if self.photo.ndim != 3 or self.photo.shape[2] != 3:
            raise ValueError(f"shot photo must be RGB (H, W, 3), got {self.photo.shape}")


def shot_frames(shot: Shot, size: tuple[int, int], fps: int) -> Iterator[Image]:
    """The frames of one shot at the output size."""
    out_w, out_h = size
    photo = PILImage.fromarray(shot.photo)
    ph_w, ph_h = photo.size
    count = max(1, round(shot.seconds * fps))
    for i in range(count):
        progress = i / max(1, count - 1)
        zoom = shot.zoom * (1 - 0.3 * progress) if shot.motion == "zoom" else shot.zoom
        fx, fy = shot.focus
        if shot.motion == "pan":
            fx += shot.pan * (progress - 0.5)
        win_w = ph_w * zoom
        win_h = win_w * out_h / out_w
        if win_h > ph_h:  # a wide photo: the height limits the window
            win_h = float(ph_h)
            win_w = win_h * out_w / out_h
        left = min(max(0.0, fx * ph_w - win_w / 2), ph_w - win_w)
        top = min(max(0.0, fy * ph_h - win_h / 2), ph_h - win_h)
        view = photo.resize((out_w, out_h), PILImage.Resampling.BILINEAR,
                            box=(left, top, left + win_w, top + win_h))
        yield np.asarray(view, dtype=np.uint8)


def write_video(path: Path, shots: Sequence[Shot], size: tuple[int, int] = (320, 180), fps: int = 10,
                crf: int = 23) -> Path:
    """Encode the shots one after another as an H.264 MP4 at `path`."""
    width, height = size
    if width % 2 or height % 2:
        raise ValueError(f"video size must be even for yuv420p, got {width}x{height}")
    if not shots:
        raise ValueError("a video needs at least one shot")
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "ultrafast"}
        for shot in shots:
            for pixels in shot_frames(shot, size, fps):
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def shot_spans(shots: Sequence[Shot], fps: int) -> list[tuple[float, float]]:
    """Where each shot starts and ends in the written video, in seconds."""
    spans: list[tuple[float, float]] = []
    start = 0.0
    for shot in shots:
        length = max(1, round(shot.seconds * fps)) / fps
        spans.append((start, start + length))
        start += length
    return spans


@dataclass(frozen=True, eq=False)
class Portrait:
    """A real photo with one face: where the face is, and the zoom that makes it a third of the frame."""

    name: str
    photo: Image
    focus: tuple[float, float]
    zoom: float

    def shot(self, seconds: float, motion: Motion = "still") -> Shot:
        return Shot(self.photo, seconds, motion, self.focus, self.zoom)

    def faceless_shot(self, seconds: float) -> Shot:
        """The same photo framed on the body below the face (clothes, hands, background)."""
        return Shot(self.photo, seconds, "still", (self.focus[0], 0.85), 1.0)


# face centre (fractions of width, height) and face width / photo width, measured with dlib's detector
_FACE_RECOGNITION_PHOTOS = {
    "obama.jpg": ((0.545, 0.25), 0.30),
    "obama2.jpg": ((0.48, 0.36), 0.47),
    "obama3.jpg": ((0.55, 0.18), 0.19),
    "biden.jpg": ((0.61, 0.17), 0.32),
}
FACE_FRACTION = 0.3


def _portrait(name: str, photo: Image, focus: tuple[float, float], face_fraction: float) -> Portrait:
    return Portrait(name, photo, focus, min(1.0, face_fraction / FACE_FRACTION))


def astronaut() -> Portrait:
    """scikit-image's bundled astronaut.png (Eileen Collins, public domain); no download."""
    from skimage import data

    photo = np.asarray(data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    return _portrait("astronaut", photo, (0.43, 0.25), 0.17)


def faceless_photo() -> Image:
    """scikit-image's bundled coffee.png: a real photo without a face."""
    from skimage import data

    return np.asarray(data.coffee(), dtype=np.uint8)  # type: ignore[no-untyped-call]


def load_portraits(folder: Path) -> dict[str, Portrait]:
    """The face_recognition 1.3.0 test photos found in `folder` (see tests/faces/fetch_photos.py)."""
    portraits = {}
    for name, (focus, fraction) in _FACE_RECOGNITION_PHOTOS.items():
        path = folder / name
        if path.is_file():
            with PILImage.open(path) as image:
                photo = np.asarray(image.convert("RGB"), dtype=np.uint8)
            portraits[name.removesuffix(".jpg")] = _portrait(name, photo, focus, fraction)
    return portraits
