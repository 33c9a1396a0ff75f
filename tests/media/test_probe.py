"""Probing tells what a video is, and says plainly when a file is not one."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from viblio_pipeline.media.errors import UnsupportedMedia
from viblio_pipeline.media.ffmpeg import ffmpeg_exe
from viblio_pipeline.media.probe import display_size, normalize_rotation, probe, recorded_at

pytestmark = pytest.mark.timeout(60)
ClipFactory = Callable[..., Path]


def test_probe_reports_size_duration_codecs_and_audio(clip: ClipFactory) -> None:
    facts = probe(clip("plain", width=320, height=240, duration=1.0, fps=15))
    assert (facts.width, facts.height, facts.rotation) == (320, 240, 0)
    assert facts.duration == pytest.approx(1.0, abs=0.1)
    assert (facts.video_codec, facts.audio_codec, facts.has_audio) == ("h264", "aac", True)
    assert facts.fps == pytest.approx(15.0)


def test_probe_applies_the_rotation_flag_to_the_displayed_size(clip: ClipFactory) -> None:
    facts = probe(clip("rotated", width=640, height=360, rotation=90))
    assert facts.rotation == 90
    assert (facts.coded_width, facts.coded_height) == (640, 360)
    assert (facts.width, facts.height) == (360, 640)


def test_probe_sees_a_portrait_video_as_portrait(clip: ClipFactory) -> None:
    facts = probe(clip("portrait", width=180, height=320))
    assert (facts.width, facts.height, facts.rotation) == (180, 320, 0)


def test_probe_reports_a_video_without_audio(clip: ClipFactory) -> None:
    facts = probe(clip("silent", audio=False))
    assert facts.audio_codec is None and not facts.has_audio


def test_probe_measures_a_clip_shorter_than_a_second(clip: ClipFactory) -> None:
    assert probe(clip("short", duration=0.4)).duration == pytest.approx(0.4, abs=0.1)


def test_probe_reads_the_recording_time_from_creation_time(clip: ClipFactory) -> None:
    facts = probe(clip("dated", creation_time="2014-03-02T10:11:12Z"))
    assert facts.recorded_at == datetime(2014, 3, 2, 10, 11, 12, tzinfo=UTC)
    assert facts.to_json()["recorded_at"] == "2014-03-02T10:11:12+00:00"


def test_probe_without_creation_time_has_no_recording_time(clip: ClipFactory) -> None:
    assert probe(clip("plain", width=320, height=240, duration=1.0, fps=15)).recorded_at is None


def _unsupported(path: Path) -> str:
    with pytest.raises(UnsupportedMedia) as caught:
        probe(path)
    assert caught.value.retry is False
    return caught.value.message


def test_a_text_file_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "holiday.mp4"
    path.write_text("these are my holiday notes, not a video\n")
    assert _unsupported(path).startswith("holiday.mp4 is not a video file: its format is not recognised")


def test_random_bytes_are_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(random.Random(7).randbytes(20_000))
    assert "is not a video file" in _unsupported(path)


def test_a_video_whose_picture_data_is_garbage_is_reported_corrupt(clip: ClipFactory, tmp_path: Path) -> None:
    # Keep the header (faststart puts it first), garble every picture byte after it.
    good = clip("faststart", audio=False)
    fixed = tmp_path / "fixed.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", str(good), "-c", "copy",
                    "-movflags", "+faststart", str(fixed)], check=True)
    data = bytearray(fixed.read_bytes())
    start = data.index(b"mdat") + 4
    data[start:] = random.Random(3).randbytes(len(data) - start)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    assert _unsupported(broken).startswith("broken.mp4 is corrupt")


def test_an_empty_file_is_reported_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    assert _unsupported(path) == "empty.mp4 is empty (0 bytes)"


def test_an_audio_file_has_no_video_to_show(tmp_path: Path) -> None:
    path = tmp_path / "song.m4a"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac",
                    str(path)], check=True)
    assert _unsupported(path) == "song.m4a is an audio file: there is no video to show"


def test_an_mp3_with_cover_art_is_an_audio_file(tmp_path: Path) -> None:
    cover, song = tmp_path / "cover.png", tmp_path / "song.mp3"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=64x48",
                    "-frames:v", "1", str(cover)], check=True)
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-i", str(cover),
                    "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(song)],
                   check=True)
    assert _unsupported(song) == "song.mp3 is an audio file: there is no video to show"


def test_a_still_image_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=64x48",
                    "-frames:v", "1", str(path)], check=True)
    assert _unsupported(path) == "photo.png is a still image, not a video"


@pytest.mark.parametrize(("degrees", "expected"), [(0, 0), (90, 90), (-90, 270), (180, 180), (-180, 180),
                                                   (270, 270), (89.6, 90), (360, 0)])
def test_rotation_is_snapped_to_quarter_turns(degrees: float, expected: int) -> None:
    assert normalize_rotation(degrees) == expected


def test_display_size_stretches_non_square_pixels_then_rotates() -> None:
    assert display_size(720, 480, 0, Fraction(32, 27)) == (853, 480)
    assert display_size(720, 480, 270, Fraction(32, 27)) == (480, 853)
    assert display_size(640, 360, 180, Fraction(1)) == (640, 360)


def test_recorded_at_prefers_the_camera_local_time_and_converts_to_utc() -> None:
    tags = {"com.apple.quicktime.creationdate": "2014-03-02T10:11:12+0100",
            "creation_time": "2014-03-05T00:00:00.000000Z"}
    assert recorded_at(tags) == datetime(2014, 3, 2, 9, 11, 12, tzinfo=UTC)


def test_recorded_at_ignores_zero_dates_and_garbage() -> None:
    assert recorded_at({"creation_time": "1970-01-01T00:00:00.000000Z"}, {"creation_time": "soon"}) is None
    assert recorded_at({"creation_time": "1904-01-01T00:00:00Z"}) is None
