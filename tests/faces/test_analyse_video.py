"""Face analysis of real videos built from real photos (tiny: 320x180, a few seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viblio_pipeline.config.schema import FacesConfig
from viblio_pipeline.media.faces.analyse import Progress, VideoFaces, analyse_video
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.frames import UnreadableVideo
from viblio_pipeline.media.faces.samplevideo import (
    Portrait,
    Shot,
    astronaut,
    faceless_photo,
    shot_spans,
    write_video,
)

FPS = 10
pytestmark = pytest.mark.timeout(120)


def build(path: Path, shots: list[Shot]) -> tuple[Path, list[tuple[float, float]]]:
    return write_video(path, shots, fps=FPS), shot_spans(shots, FPS)


def within(span: tuple[float, float], start: float, end: float) -> bool:
    return span[0] <= start <= end < span[1]


@pytest.fixture(scope="module")
def astronaut_video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[float, float]]]:
    her = astronaut()
    shots = [her.shot(1.5, "zoom"), Shot(faceless_photo(), 1.5), her.shot(1.5, "pan")]
    return build(tmp_path_factory.mktemp("video") / "astronaut.mp4", shots)


@pytest.fixture(scope="module")
def astronaut_faces(astronaut_video: tuple[Path, list[tuple[float, float]]], engine: FaceEngine) -> VideoFaces:
    return analyse_video(astronaut_video[0], FacesConfig(sample_fps=2, track_max_gap_seconds=1.0), engine)


def test_each_appearance_is_one_track_inside_its_shot(
    astronaut_video: tuple[Path, list[tuple[float, float]]], astronaut_faces: VideoFaces
) -> None:
    spans = astronaut_video[1]
    tracks = astronaut_faces.tracks
    assert len(tracks) == 2
    assert within(spans[0], tracks[0].start, tracks[0].end)
    assert within(spans[2], tracks[1].start, tracks[1].end)
    assert all(t.detections >= 2 for t in tracks)


def test_nothing_is_found_in_the_face_free_shot(
    astronaut_video: tuple[Path, list[tuple[float, float]]], astronaut_faces: VideoFaces
) -> None:
    faceless = astronaut_video[1][1]
    assert not [t for t in astronaut_faces.tracks if faceless[0] <= t.start < faceless[1]]


def test_the_best_crop_of_a_track_is_a_face_the_detector_finds_again(
    astronaut_faces: VideoFaces, engine: FaceEngine
) -> None:
    for track in astronaut_faces.tracks:
        assert track.crop.shape[0] > track.box.height and track.crop.shape[1] > track.box.width
        assert len(engine.find(track.crop)) == 1
        assert 0 < track.confidence <= 1


def test_the_same_person_in_two_appearances_has_close_descriptors(astronaut_faces: VideoFaces) -> None:
    first, second = astronaut_faces.tracks
    assert np.linalg.norm(first.descriptor - second.descriptor) < 0.45


def test_progress_is_reported_for_every_sampled_frame(
    astronaut_video: tuple[Path, list[tuple[float, float]]], engine: FaceEngine
) -> None:
    seen: list[Progress] = []
    result = analyse_video(astronaut_video[0], FacesConfig(sample_fps=1), engine, on_progress=seen.append)
    assert len(seen) == result.frames_sampled >= 4
    assert seen[-1].duration == pytest.approx(4.5, abs=0.2)
    assert [p.seconds for p in seen] == sorted(p.seconds for p in seen)


def test_a_video_without_faces_has_no_tracks(tmp_path: Path, engine: FaceEngine) -> None:
    video, _ = build(tmp_path / "none.mp4", [Shot(faceless_photo(), 1.0), astronaut().faceless_shot(1.0)])
    result = analyse_video(video, FacesConfig(sample_fps=2), engine)
    assert result.tracks == [] and result.frames_sampled >= 4


def test_a_file_that_is_not_a_video_is_reported_as_unreadable(tmp_path: Path, engine: FaceEngine) -> None:
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"not a video at all")
    with pytest.raises(UnreadableVideo, match="bogus.mp4"):
        analyse_video(bogus, FacesConfig(), engine)


def test_one_person_in_different_photos_is_close_and_another_person_is_far(
    tmp_path: Path, engine: FaceEngine, portraits: dict[str, Portrait]
) -> None:
    shots = [portraits["obama"].shot(1.0, "pan"), Shot(faceless_photo(), 1.0),
             portraits["obama3"].shot(1.0, "zoom"), Shot(faceless_photo(), 1.0),
             portraits["biden"].shot(1.0, "still")]
    video, spans = build(tmp_path / "people.mp4", shots)
    tracks = analyse_video(video, FacesConfig(sample_fps=2, track_max_gap_seconds=1.0), engine).tracks
    assert len(tracks) == 3
    for track, span in zip(tracks, (spans[0], spans[2], spans[4]), strict=True):
        assert within(span, track.start, track.end)
    obama, obama3, biden = (t.descriptor for t in tracks)
    assert np.linalg.norm(obama - obama3) < 0.55
    assert np.linalg.norm(obama - biden) > 0.6 and np.linalg.norm(obama3 - biden) > 0.6
