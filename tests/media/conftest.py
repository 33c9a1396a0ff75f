"""Tiny real clips made once per test session with ffmpeg's lavfi sources."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from viblio_pipeline.media.samples import make_clip

ClipFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """clip(name, **make_clip options): the path of that clip, generated on first use."""
    folder = tmp_path_factory.mktemp("clips")
    made: dict[str, Path] = {}

    def get(name: str, **options: Any) -> Path:
        if name not in made:
            made[name] = make_clip(folder / f"{name}.mp4", **options)
        return made[name]

    return get


@pytest.fixture(scope="session")
def mp4_boxes() -> Callable[[Path], list[str]]:
    return top_level_boxes


def top_level_boxes(path: Path) -> list[str]:
    """The MP4 top-level box types in file order (ftyp, moov, mdat, ...)."""
    boxes = []
    with path.open("rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            boxes.append(kind)
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
                handle.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                handle.seek(size - 8, 1)
    return boxes
