from __future__ import annotations

import numpy as np
import pytest

from viblio_pipeline.media.faces.geometry import Box
from viblio_pipeline.media.faces.tracking import Observation, Tracker


def person(seed: int) -> np.ndarray:
    """A unit-ish 128-d descriptor; different seeds are ~1.4 apart, like different people."""
    vector = np.random.default_rng(seed).normal(size=128)
    return vector / np.linalg.norm(vector)


def jitter(descriptor: np.ndarray, amount: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(1000 + seed).normal(size=128)
    return descriptor + amount * noise / np.linalg.norm(noise)


def obs(time: float, x: float, descriptor: np.ndarray, quality: float = 0.5) -> Observation:
    return Observation(time, Box(x, 10, x + 50, 60), descriptor, quality)


def test_one_person_across_nearby_frames_is_one_track() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    for i in range(5):
        tracker.add_frame(i * 0.5, [obs(i * 0.5, 10 + 5 * i, jitter(person(1), 0.2, i))])
    assert [t.count for t in tracker.tracks] == [5]


def test_two_people_in_the_same_frames_are_two_tracks() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    for i in range(3):
        tracker.add_frame(i * 0.5, [obs(i * 0.5, 10, person(1)), obs(i * 0.5, 200, person(2))])
    assert [t.count for t in tracker.tracks] == [3, 3]
    assert all(t.first.box.left == t.last.box.left for t in tracker.tracks)


def test_people_who_swap_places_keep_their_own_tracks() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    tracker.add_frame(0.0, [obs(0.0, 10, person(1)), obs(0.0, 80, person(2))])
    tracker.add_frame(0.5, [obs(0.5, 80, person(1)), obs(0.5, 10, person(2))])
    first, second = tracker.tracks
    assert (first.last.box.left, second.last.box.left) == (80, 10)


def test_a_person_gone_longer_than_the_gap_comes_back_as_a_new_track() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    tracker.add_frame(0.0, [obs(0.0, 10, person(1))])
    tracker.add_frame(2.5, [obs(2.5, 10, person(1))])
    assert len(tracker.tracks) == 2


def test_a_scene_cut_ends_every_open_track() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    tracker.add_frame(0.0, [obs(0.0, 10, person(1))])
    tracker.cut()
    tracker.add_frame(0.5, [obs(0.5, 10, person(1))])
    assert len(tracker.tracks) == 2


def test_a_track_keeps_its_best_observation_and_its_mean_descriptor() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    base = person(3)
    descriptors = [jitter(base, 0.1, i) for i in range(3)]
    for i, (d, q) in enumerate(zip(descriptors, (0.2, 0.9, 0.4), strict=True)):
        tracker.add_frame(i * 0.5, [obs(i * 0.5, 10, d, quality=q)])
    track = tracker.tracks[0]
    assert track.best.quality == 0.9
    assert np.allclose(track.descriptor, np.mean(descriptors, axis=0))


def test_frames_out_of_time_order_are_refused() -> None:
    tracker = Tracker(max_gap=1.0, max_distance=0.5)
    tracker.add_frame(1.0, [])
    with pytest.raises(ValueError, match="time order"):
        tracker.add_frame(0.5, [])
