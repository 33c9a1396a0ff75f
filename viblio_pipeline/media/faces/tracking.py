"""Group per-frame face observations into tracks: one track per appearance.

A track is the same person across nearby sampled frames. An observation joins
the open track whose descriptor is nearest (position breaks near-ties and
covers a face that blurs in motion); nothing joins a track last seen more than
`max_gap` seconds ago or before a scene cut, so a person who leaves and comes
back starts a new track (recognition later tells that both are the same
person).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from viblio_pipeline.media.faces.geometry import Box

Descriptor = NDArray[np.float64]

POSITION_WEIGHT = 0.05      # descriptor-distance units per face width of motion
MAX_DISPLACEMENT = 4.0      # motion beyond this many face widths is not counted further
STEADY_IOU = 0.5            # boxes overlapping this much may differ a little more in descriptor
STEADY_SLACK = 1.2          # ... by this factor of max_distance


@dataclass(eq=False)
class Observation:
    """One detected face in one sampled frame; `crop` is carried, never inspected."""

    time: float
    box: Box
    descriptor: Descriptor
    quality: float
    crop: object = None


class Track:
    """One appearance; keeps only its first, last and best observations (memory stays flat)."""

    def __init__(self, number: int, observation: Observation) -> None:
        self.number = number
        self.first = observation
        self.last = observation
        self.best = observation
        self.count = 1
        self._sum: Descriptor = np.asarray(observation.descriptor, dtype=np.float64).copy()

    @property
    def descriptor(self) -> Descriptor:
        """The mean descriptor: steadier than any single frame's."""
        mean: Descriptor = self._sum / self.count
        return mean

    def add(self, observation: Observation) -> None:
        self.last = observation
        self.count += 1
        self._sum = self._sum + np.asarray(observation.descriptor, dtype=np.float64)
        if observation.quality > self.best.quality:  # the earliest wins a tie
            self.best = observation


def descriptor_distance(a: Descriptor, b: Descriptor) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


class Tracker:
    """Feed observations frame by frame (in time order); read `tracks` at the end."""

    def __init__(self, max_gap: float, max_distance: float) -> None:
        if max_gap <= 0 or max_distance <= 0:
            raise ValueError("tracker max_gap and max_distance must be positive")
        self.max_gap = max_gap
        self.max_distance = max_distance
        self.tracks: list[Track] = []
        self._last_time: float | None = None
        self._closed = 0   # tracks before this index never take new observations

    def cut(self) -> None:
        """A new shot begins: whoever appears next starts a new appearance."""
        self._closed = len(self.tracks)

    def add_frame(self, time: float, observations: Iterable[Observation]) -> None:
        """Assign one sampled frame's faces to tracks (greedy, cheapest pair first)."""
        if self._last_time is not None and time < self._last_time:
            raise ValueError(f"frames must arrive in time order: {time} after {self._last_time}")
        self._last_time = time
        pending = list(observations)
        open_tracks = [t for t in self.tracks[self._closed:] if time - t.last.time <= self.max_gap]
        pairs: list[tuple[float, int, int]] = []
        for oi, obs in enumerate(pending):
            for ti, track in enumerate(open_tracks):
                cost = self._cost(track, obs)
                if cost is not None:
                    pairs.append((cost, oi, ti))
        used_obs: set[int] = set()
        used_tracks: set[int] = set()
        for _, oi, ti in sorted(pairs):
            if oi in used_obs or ti in used_tracks:
                continue
            open_tracks[ti].add(pending[oi])
            used_obs.add(oi)
            used_tracks.add(ti)
        for oi, obs in enumerate(pending):
            if oi not in used_obs:
                self.tracks.append(Track(len(self.tracks) + 1, obs))

    def _cost(self, track: Track, obs: Observation) -> float | None:
        """None when the observation cannot belong to the track."""
        distance = min(
            descriptor_distance(track.descriptor, obs.descriptor),
            descriptor_distance(track.last.descriptor, obs.descriptor),
        )
        limit = self.max_distance
        if track.last.box.iou(obs.box) >= STEADY_IOU:
            limit *= STEADY_SLACK
        if distance > limit:
            return None
        motion = min(track.last.box.displacement(obs.box), MAX_DISPLACEMENT)
        return distance + POSITION_WEIGHT * motion
