"""Who is this face: a decision against the user's known people, with a confidence.

Distances are Euclidean between 128-d dlib descriptors: the same person is
usually below 0.45 and different people above 0.6. Within `match_threshold`
the face is that contact (a confident match); between the two thresholds it
joins the nearest contact with a lower confidence (the review queue's
borderline cases); beyond `join_threshold` it is someone new.

The confidence is highest far from the thresholds and lowest near them, so
the review queue gets the borderline cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from viblio_pipeline.media.faces.quality import clamp01

Descriptor = NDArray[np.float64]
Action = Literal["match", "join", "new"]

CONFIDENT_NEW_MARGIN = 0.25   # this far beyond join_threshold, "someone new" is certain


@dataclass(frozen=True)
class KnownPerson:
    contact_id: int
    descriptors: tuple[Descriptor, ...]


@dataclass(frozen=True)
class Decision:
    action: Action
    contact_id: int | None     # the matched or joined contact; None for "new"
    distance: float | None     # to the nearest known person; None when the user knows nobody
    confidence: float


def nearest(descriptor: Descriptor, people: Sequence[KnownPerson]) -> tuple[KnownPerson, float] | None:
    """The known person nearest to the descriptor (by their closest stored descriptor)."""
    best: tuple[KnownPerson, float] | None = None
    for person in people:
        if not person.descriptors:
            continue
        stack = np.asarray(person.descriptors, dtype=np.float64)
        distance = float(np.min(np.linalg.norm(stack - np.asarray(descriptor, dtype=np.float64), axis=1)))
        if best is None or distance < best[1]:
            best = (person, distance)
    return best


def decide(
    descriptor: Descriptor,
    people: Sequence[KnownPerson],
    match_threshold: float,
    join_threshold: float,
) -> Decision:
    if join_threshold < match_threshold:
        raise ValueError(
            f"join_threshold ({join_threshold}) must not be below match_threshold ({match_threshold})"
        )
    found = nearest(descriptor, people)
    if found is None:
        return Decision("new", None, None, 1.0)
    person, distance = found
    if distance <= match_threshold:
        # 1.0 for an identical face, 0.7 at the threshold
        return Decision("match", person.contact_id, distance, clamp01(1.0 - 0.3 * distance / match_threshold))
    if distance <= join_threshold:
        span = max(join_threshold - match_threshold, 1e-9)
        # 0.7 just past match_threshold, 0.4 at join_threshold
        return Decision("join", person.contact_id, distance,
                        clamp01(0.7 - 0.3 * (distance - match_threshold) / span))
    # 0.4 at join_threshold, 1.0 from CONFIDENT_NEW_MARGIN beyond it
    return Decision("new", None, distance,
                    clamp01(0.4 + 0.6 * (distance - join_threshold) / CONFIDENT_NEW_MARGIN))
