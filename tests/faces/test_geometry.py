from __future__ import annotations

import pytest

from viblio_pipeline.media.faces.geometry import Box


def test_a_box_without_area_is_refused_with_its_coordinates() -> None:
    with pytest.raises(ValueError, match="no area"):
        Box(10, 10, 10, 20)


def test_iou_is_one_for_the_same_box_and_zero_for_disjoint_boxes() -> None:
    box = Box(0, 0, 10, 10)
    assert box.iou(Box(0, 0, 10, 10)) == 1.0
    assert box.iou(Box(20, 20, 30, 30)) == 0.0


def test_iou_of_half_overlapping_boxes_is_one_third() -> None:
    assert Box(0, 0, 10, 10).iou(Box(5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_displacement_is_measured_in_face_widths() -> None:
    assert Box(0, 0, 10, 10).displacement(Box(20, 0, 30, 10)) == pytest.approx(2.0)


def test_margin_grows_the_box_but_stays_inside_the_frame() -> None:
    grown = Box(2, 2, 12, 12).with_margin(0.5, frame_width=14, frame_height=100)
    assert (grown.left, grown.top, grown.right) == (0.0, 0.0, 14.0)
    assert grown.bottom == pytest.approx(16.0)


def test_scaling_maps_detector_pixels_to_frame_pixels() -> None:
    assert Box(1, 2, 3, 4).scaled(2.0) == Box(2, 4, 6, 8)
