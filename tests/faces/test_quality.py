from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from viblio_pipeline.media.faces.quality import (
    Quality,
    detector_cue,
    frontal_cue,
    laplacian_variance,
    sharpness_cue,
    size_cue,
    track_confidence,
)
from viblio_pipeline.media.faces.samplevideo import astronaut

# dlib 5-point landmarks: eye corners (0, 1), (2, 3), nose base (4)
FRONTAL = ((60.0, 40.0), (50.0, 40.0), (20.0, 40.0), (30.0, 40.0), (40.0, 60.0))
TURNED = ((60.0, 40.0), (50.0, 40.0), (20.0, 40.0), (30.0, 40.0), (52.0, 60.0))


def test_a_face_looking_at_the_camera_is_fully_frontal() -> None:
    assert frontal_cue(FRONTAL) == pytest.approx(1.0)


def test_a_face_whose_nose_slides_toward_one_eye_is_less_frontal() -> None:
    assert frontal_cue(TURNED) < 0.6


def test_frontal_cue_needs_exactly_five_landmarks() -> None:
    with pytest.raises(ValueError, match="5 landmarks"):
        frontal_cue(FRONTAL[:4])


def test_a_blurred_face_is_less_sharp_than_the_same_face_in_focus() -> None:
    face = Image.fromarray(astronaut().photo).crop((200, 80, 340, 220)).convert("L").resize((96, 96))
    blurred = face.filter(ImageFilter.GaussianBlur(3))
    sharp_score = sharpness_cue(laplacian_variance(np.asarray(face)))
    blurred_score = sharpness_cue(laplacian_variance(np.asarray(blurred)))
    assert sharp_score > 0.5 > blurred_score


def test_sharpness_refuses_a_colour_image() -> None:
    with pytest.raises(ValueError, match="2-D grey"):
        laplacian_variance(np.zeros((10, 10, 3), dtype=np.uint8))


def test_size_cue_grows_from_the_minimum_width_to_three_times_it() -> None:
    assert size_cue(40, 40) == 0.0
    assert size_cue(80, 40) == pytest.approx(0.5)
    assert size_cue(400, 40) == 1.0


def test_detector_cue_rises_with_the_hog_score() -> None:
    assert detector_cue(-1.0) == 0.0
    assert 0 < detector_cue(0.5) < detector_cue(1.5) == 1.0


def test_score_is_the_weighted_mean_of_the_cues() -> None:
    assert Quality(1.0, 1.0, 1.0, 1.0).score == pytest.approx(1.0)
    assert Quality(0.0, 0.0, 0.0, 0.0).score == 0.0


def test_a_face_seen_once_is_trusted_less_than_one_seen_three_times() -> None:
    assert track_confidence(0.9, 1) < track_confidence(0.9, 2) < track_confidence(0.9, 3) == pytest.approx(0.9)
