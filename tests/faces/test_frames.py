"""Frame sampling from real H.264 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from viblio_pipeline.media.faces.frames import FrameSampler
from viblio_pipeline.media.faces.samplevideo import Shot, astronaut, faceless_photo, write_video

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def cut_at_one_second(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shots = [astronaut().shot(1.0, "pan"), Shot(faceless_photo(), 1.0)]
    return write_video(tmp_path_factory.mktemp("v") / "cut.mp4", shots, size=(320, 180), fps=10)


def test_a_cut_between_shots_is_sampled_at_once_and_flagged(cut_at_one_second: Path) -> None:
    frames = list(FrameSampler(cut_at_one_second, sample_fps=0.5, scene_threshold=0.15, detect_width=640))
    assert [(round(f.time, 1), f.scene_change) for f in frames] == [(0.0, False), (1.0, True)]


def test_without_scene_detection_only_the_rate_counts(cut_at_one_second: Path) -> None:
    frames = list(FrameSampler(cut_at_one_second, sample_fps=0.5, scene_threshold=0.0, detect_width=640))
    assert [round(f.time, 1) for f in frames] == [0.0]


def test_a_pan_within_one_shot_is_not_a_cut(cut_at_one_second: Path) -> None:
    frames = list(FrameSampler(cut_at_one_second, sample_fps=10, scene_threshold=0.15, detect_width=640))
    assert [round(f.time, 1) for f in frames if f.scene_change] == [1.0]


def test_frames_are_shrunk_for_the_detector_but_kept_whole_for_crops(tmp_path: Path) -> None:
    video = write_video(tmp_path / "big.mp4", [Shot(faceless_photo(), 0.2)], size=(1280, 720), fps=10)
    sampler = FrameSampler(video, sample_fps=2, scene_threshold=0.15, detect_width=640)
    first = next(iter(sampler))
    assert first.image.shape == (720, 1280, 3) and first.detect_image.shape == (360, 640, 3)
    assert first.scale == 2.0
