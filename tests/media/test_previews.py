"""Previews: a poster that shows something, a thumbnail, a real animated preview."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from viblio_pipeline.config.schema import PreviewsConfig
from viblio_pipeline.media.previews import (
    FrameScore,
    Previews,
    animated_window,
    candidate_times,
    make_previews,
    pick_poster,
    score_luma,
)
from viblio_pipeline.media.probe import probe

pytestmark = pytest.mark.timeout(90)
ClipFactory = Callable[..., Path]

SMALL = PreviewsConfig(poster_width=1280, thumbnail_width=120, animated_width=160, animated_seconds=1.0,
                       animated_fps=8, animated_format="webp")


def test_candidates_are_spread_inside_the_video_away_from_its_ends() -> None:
    times = candidate_times(10.0, count=4)
    assert times == [2.0, 4.0, 6.0, 8.0]
    assert candidate_times(0.0) == [0.0]


def test_black_washed_out_and_flat_frames_are_not_usable() -> None:
    assert not score_luma(0, np.zeros((9, 16), np.uint8)).usable
    assert not score_luma(0, np.full((9, 16), 250, np.uint8)).usable
    assert not score_luma(0, np.full((9, 16), 128, np.uint8)).usable
    assert score_luma(0, np.tile(np.arange(0, 256, 16, dtype=np.uint8), (9, 1))).usable


def test_the_poster_is_the_most_detailed_usable_frame() -> None:
    scores = [FrameScore(1.0, 5.0, 1.0), FrameScore(2.0, 120.0, 30.0), FrameScore(3.0, 110.0, 60.0),
              FrameScore(4.0, 250.0, 90.0)]
    assert pick_poster(scores).time == 3.0


def test_when_no_frame_is_usable_the_least_flat_one_is_the_poster() -> None:
    assert pick_poster([FrameScore(1.0, 0.0, 0.0), FrameScore(2.0, 10.0, 4.0)]).time == 2.0


def test_the_animated_window_centres_on_the_poster_and_stays_inside_the_video() -> None:
    assert animated_window(60.0, 30.0, 3.0) == (28.5, 3.0)
    assert animated_window(60.0, 0.5, 3.0) == (0.0, 3.0)
    assert animated_window(60.0, 59.9, 3.0) == (57.0, 3.0)
    assert animated_window(0.8, 0.4, 3.0) == (0.0, 0.8)


def _previews(source: Path, out: Path, settings: PreviewsConfig = SMALL) -> Previews:
    out.mkdir()
    facts = probe(source)
    return make_previews(source, facts.duration, facts.width, settings, out, stall_seconds=20)


def test_the_poster_skips_a_black_opening(clip: ClipFactory, tmp_path: Path) -> None:
    source = clip("black_lead", black_lead=1.2, duration=0.8, width=160, height=120)
    previews = _previews(source, tmp_path / "out")
    assert previews.poster_time >= 1.2
    luma = np.asarray(Image.open(previews.poster.path).convert("L"), dtype=np.float32)
    assert luma.mean() > 40 and luma.std() > 20


def test_poster_and_thumbnail_are_jpegs_at_the_configured_widths_never_enlarged(
    clip: ClipFactory, tmp_path: Path
) -> None:
    previews = _previews(clip("plain", width=320, height=240, duration=1.0, fps=15), tmp_path / "out")
    with Image.open(previews.poster.path) as poster, Image.open(previews.thumbnail.path) as thumbnail:
        assert (poster.format, poster.size) == ("JPEG", (320, 240))
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (120, 90))
    assert (previews.thumbnail.width, previews.thumbnail.height) == (120, 90)


@pytest.mark.parametrize("fmt", ["webp", "gif"])
def test_the_animated_preview_is_a_real_animation(clip: ClipFactory, tmp_path: Path, fmt: str) -> None:
    settings = SMALL.model_copy(update={"animated_format": fmt})
    previews = _previews(clip("plain", width=320, height=240, duration=1.0, fps=15), tmp_path / "out", settings)
    assert previews.animated.path.name == f"animated.{fmt}"
    with Image.open(previews.animated.path) as animation:
        assert animation.format == fmt.upper()
        assert getattr(animation, "is_animated", False) and getattr(animation, "n_frames", 1) > 1
        assert animation.size == (160, 120)


def test_a_clip_shorter_than_a_second_still_gets_every_preview(clip: ClipFactory, tmp_path: Path) -> None:
    previews = _previews(clip("short", duration=0.4), tmp_path / "out")
    assert 0 <= previews.poster_time <= 0.4
    with Image.open(previews.animated.path) as animation:
        assert getattr(animation, "n_frames", 1) > 1
