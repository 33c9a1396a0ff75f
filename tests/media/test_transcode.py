"""Transcoding: which renditions a source gets, and what real ffmpeg writes for them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest

from viblio_pipeline.config.schema import TranscodeConfig, TranscodeRendition
from viblio_pipeline.media.probe import probe
from viblio_pipeline.media.transcode import Rendition, bits_per_second, plan_renditions, transcode

pytestmark = pytest.mark.timeout(90)
ClipFactory = Callable[..., Path]

DEFAULT = TranscodeConfig().renditions  # 360p and 720p
TINY = TranscodeConfig(renditions=(
    TranscodeRendition(name="120p", height=120, crf=30, video_bitrate="200k", audio_bitrate="64k"),
    TranscodeRendition(name="180p", height=180, crf=28, video_bitrate="300k", audio_bitrate="64k"),
    TranscodeRendition(name="480p", height=480, crf=23, video_bitrate="900k", audio_bitrate="96k"),
), preset="ultrafast", stall_seconds=20)


def _sizes(width: int, height: int,
           renditions: tuple[TranscodeRendition, ...] = DEFAULT) -> list[tuple[str, int, int]]:
    return [(p.name, p.width, p.height) for p in plan_renditions(width, height, renditions)]


def test_a_large_source_gets_every_rendition_smallest_first() -> None:
    assert _sizes(1920, 1080) == [("360p", 640, 360), ("720p", 1280, 720)]


def test_renditions_taller_than_the_source_are_skipped() -> None:
    assert _sizes(854, 480) == [("360p", 640, 360)]


def test_the_smallest_rendition_always_exists_capped_at_the_source_size() -> None:
    assert _sizes(320, 240) == [("360p", 320, 240)]


def test_rendition_height_is_the_short_side_so_portrait_stays_portrait() -> None:
    assert _sizes(1080, 1920) == [("360p", 360, 640), ("720p", 720, 1280)]


def test_rendition_sizes_are_always_even() -> None:
    for width, height in [(321, 241), (1279, 719), (203, 360), (101, 999), (3, 3)]:
        for _, w, h in _sizes(width, height):
            assert w % 2 == 0 and h % 2 == 0, (width, height, w, h)
            assert min(w, h) <= max(min(width, height), 2)


def test_planning_rejects_an_empty_rendition_list() -> None:
    with pytest.raises(ValueError, match="renditions is empty"):
        plan_renditions(640, 360, ())


@pytest.mark.parametrize(("rate", "bps"), [("800k", 800_000), ("2.5M", 2_500_000), ("96000", 96_000)])
def test_bitrates_are_read_with_their_suffix(rate: str, bps: int) -> None:
    assert bits_per_second(rate) == bps


def test_a_malformed_bitrate_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="'fast' is not a number"):
        bits_per_second("fast")


def _streams(path: Path) -> dict[str, tuple[str | int, ...]]:
    """{"video": (codec, width, height, rotation), "audio": (codec,)} of what the file holds."""
    with av.open(str(path)) as container:
        found: dict[str, tuple[str | int, ...]] = {}
        for audio in container.streams.audio:
            found["audio"] = (audio.codec_context.name,)
        for video in container.streams.video:
            frame = next(container.decode(video))
            found["video"] = (video.codec_context.name, frame.width, frame.height, frame.rotation)
        return found


def _run(source: Path, out: Path, settings: TranscodeConfig = TINY) -> list[Rendition]:
    out.mkdir()
    return transcode(source, probe(source), out, settings)


def test_one_run_writes_every_planned_rendition_as_h264_aac_mp4(clip: ClipFactory, tmp_path: Path) -> None:
    renditions = _run(clip("plain", width=320, height=240, duration=1.0, fps=15), tmp_path / "out")
    assert [(r.plan.name, r.path.name) for r in renditions] == [("120p", "120p.mp4"), ("180p", "180p.mp4")]
    assert _streams(renditions[0].path) == {"video": ("h264", 160, 120, 0), "audio": ("aac",)}
    assert _streams(renditions[1].path) == {"video": ("h264", 240, 180, 0), "audio": ("aac",)}
    assert probe(renditions[1].path).duration == pytest.approx(1.0, abs=0.15)


def test_renditions_are_faststart_with_the_index_before_the_media_data(
    clip: ClipFactory, tmp_path: Path, mp4_boxes: Callable[[Path], list[str]]
) -> None:
    [first, *_] = _run(clip("plain", width=320, height=240, duration=1.0, fps=15), tmp_path / "out")
    boxes = mp4_boxes(first.path)
    assert boxes.index("moov") < boxes.index("mdat")


def test_rotation_is_applied_to_the_pixels_and_the_flag_dropped(clip: ClipFactory, tmp_path: Path) -> None:
    source = clip("rotated", width=640, height=360, rotation=90)
    [rendition] = _run(source, tmp_path / "out", TranscodeConfig(preset="ultrafast"))
    assert (rendition.plan.width, rendition.plan.height) == (360, 640)
    assert _streams(rendition.path)["video"] == ("h264", 360, 640, 0)


def test_a_portrait_video_keeps_its_orientation(clip: ClipFactory, tmp_path: Path) -> None:
    renditions = _run(clip("portrait", width=180, height=320), tmp_path / "out")
    assert [(r.plan.width, r.plan.height) for r in renditions] == [(120, 214), (180, 320)]


def test_a_video_without_audio_gives_video_only_renditions(clip: ClipFactory, tmp_path: Path) -> None:
    [first, *_] = _run(clip("silent", audio=False), tmp_path / "out")
    assert set(_streams(first.path)) == {"video"}


def test_a_clip_shorter_than_a_second_is_transcoded(clip: ClipFactory, tmp_path: Path) -> None:
    [first, *_] = _run(clip("short", duration=0.4), tmp_path / "out")
    assert probe(first.path).duration == pytest.approx(0.4, abs=0.15)


def test_scaled_sizes_that_fall_between_pixels_are_rounded_to_even(clip: ClipFactory, tmp_path: Path) -> None:
    renditions = _run(clip("uneven", width=250, height=182, duration=0.5), tmp_path / "out")
    # 250 * 120/182 = 164.8 and 250 * 180/182 = 247.3
    assert [_streams(r.path)["video"][1:3] for r in renditions] == [(164, 120), (248, 180)]
