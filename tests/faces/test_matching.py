from __future__ import annotations

import numpy as np
import pytest

from viblio_pipeline.media.faces.matching import KnownPerson, decide

MATCH, JOIN = 0.45, 0.55


def at_distance(origin: np.ndarray, distance: float) -> np.ndarray:
    step = np.zeros(128)
    step[0] = distance
    return origin + step


ORIGIN = np.zeros(128)
ALICE = KnownPerson(7, (ORIGIN,))


def test_a_user_who_knows_nobody_gets_a_new_person_with_full_confidence() -> None:
    decision = decide(ORIGIN, [], MATCH, JOIN)
    assert (decision.action, decision.contact_id, decision.confidence) == ("new", None, 1.0)


def test_a_close_face_matches_the_contact_confidently() -> None:
    decision = decide(at_distance(ORIGIN, 0.2), [ALICE], MATCH, JOIN)
    assert (decision.action, decision.contact_id) == ("match", 7)
    assert decision.confidence > 0.8


def test_a_face_between_the_thresholds_joins_the_nearest_contact_with_low_confidence() -> None:
    decision = decide(at_distance(ORIGIN, 0.5), [ALICE], MATCH, JOIN)
    assert (decision.action, decision.contact_id) == ("join", 7)
    assert 0.4 <= decision.confidence < 0.7


def test_a_far_face_is_a_new_person() -> None:
    decision = decide(at_distance(ORIGIN, 0.9), [ALICE], MATCH, JOIN)
    assert (decision.action, decision.contact_id) == ("new", None)
    assert decision.confidence == 1.0


def test_a_new_person_just_past_the_join_threshold_is_uncertain() -> None:
    assert decide(at_distance(ORIGIN, 0.57), [ALICE], MATCH, JOIN).confidence < 0.6


def test_the_nearest_of_several_contacts_wins() -> None:
    bob = KnownPerson(8, (at_distance(ORIGIN, 1.0),))
    decision = decide(at_distance(ORIGIN, 0.9), [ALICE, bob], MATCH, JOIN)
    assert (decision.action, decision.contact_id) == ("match", 8)


def test_thresholds_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(ValueError, match="join_threshold"):
        decide(ORIGIN, [ALICE], 0.6, 0.5)
