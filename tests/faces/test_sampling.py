from __future__ import annotations

import numpy as np
import pytest

from viblio_pipeline.media.faces.sampling import SampleClock, scene_score

FRAME = 0.04  # 25 fps


def sampled(clock: SampleClock, scenes: dict[int, float], frames: int) -> list[int]:
    return [i for i in range(frames) if clock.take(i * FRAME, scenes.get(i, 0.0))]


def test_frames_are_sampled_at_the_configured_rate() -> None:
    assert sampled(SampleClock(2.0, 0.35), {}, 50) == [0, 13, 26, 39]


def test_a_scene_change_adds_a_sample_at_once() -> None:
    taken = sampled(SampleClock(2.0, 0.35), {20: 0.9}, 50)
    assert 20 in taken


def test_a_scene_change_right_after_a_sample_waits_for_the_minimum_spacing() -> None:
    clock = SampleClock(2.0, 0.35)  # min spacing 0.125 s = ~4 frames
    taken = sampled(clock, {14: 0.9}, 26)
    assert taken == [0, 13, 17]
    assert clock.cut


def test_the_cut_flag_is_set_only_on_the_first_sample_after_a_cut() -> None:
    clock = SampleClock(2.0, 0.35)
    flags = [clock.cut for i in range(50) if clock.take(i * FRAME, 0.9 if i == 20 else 0.0)]
    assert flags == [False, False, True, False, False]  # samples at frames 0, 13, 20 (cut), 33, 46


def test_a_zero_threshold_disables_scene_detection() -> None:
    assert sampled(SampleClock(2.0, 0.0), {20: 1.0}, 50) == [0, 13, 26, 39]


def test_scene_score_is_zero_for_equal_thumbnails_and_one_from_black_to_white() -> None:
    black, white = np.zeros((36, 64), np.uint8), np.full((36, 64), 255, np.uint8)
    assert scene_score(black, black) == 0.0
    assert scene_score(black, white) == 1.0


def test_scene_score_refuses_thumbnails_of_different_sizes() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        scene_score(np.zeros((2, 2), np.uint8), np.zeros((3, 3), np.uint8))


def test_sampling_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="sample_fps"):
        SampleClock(0, 0.35)
