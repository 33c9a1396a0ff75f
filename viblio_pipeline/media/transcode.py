"""Transcode a video to H.264/AAC MP4 renditions in one ffmpeg run.

Planning is pure: which renditions a source gets and at what size. A
rendition's `height` is its "p" number, i.e. the short side of the displayed
picture, so a portrait phone video's 720p rendition is 720x1280. Renditions
larger than the source are skipped (never upscale) except the smallest, which
always exists, capped at the source size. One ffmpeg invocation decodes the
source once and feeds every rendition through a split filter; ffmpeg's
autorotate applies the rotation flag to the pixels, so outputs carry none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from viblio_pipeline.config.schema import TranscodeConfig, TranscodeRendition
from viblio_pipeline.media.errors import FfmpegFailed
from viblio_pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from viblio_pipeline.media.probe import ProbeResult


@dataclass(frozen=True)
class RenditionPlan:
    """One output of a transcode: its name, exact size and quality settings."""

    name: str
    width: int
    height: int
    crf: int
    video_bitrate: str
    audio_bitrate: str

    @property
    def filename(self) -> str:
        return f"{self.name}.mp4"


@dataclass(frozen=True)
class Rendition:
    """A rendition that exists on local disk."""

    plan: RenditionPlan
    path: Path

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size


def even_floor(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def even_round(value: float) -> int:
    return max(2, round(value / 2.0) * 2)


def plan_renditions(width: int, height: int, renditions: Sequence[TranscodeRendition]) -> list[RenditionPlan]:
    """The renditions a displayed width x height source gets, smallest first."""
    if width <= 0 or height <= 0:
        raise ValueError(f"source size must be positive, got {width}x{height}")
    if not renditions:
        raise ValueError("media.transcode.renditions is empty: at least one rendition is needed")
    ordered = sorted(renditions, key=lambda r: r.height)
    short_side = min(width, height)
    chosen = [r for r in ordered if r.height <= short_side] or [ordered[0]]
    return [_sized(r, width, height) for r in chosen]


def _sized(rendition: TranscodeRendition, width: int, height: int) -> RenditionPlan:
    short_side, long_side = min(width, height), max(width, height)
    short = even_floor(min(rendition.height, short_side))
    long = even_round(long_side * short / short_side)
    out_w, out_h = (long, short) if width >= height else (short, long)
    return RenditionPlan(
        name=rendition.name, width=out_w, height=out_h, crf=rendition.crf,
        video_bitrate=rendition.video_bitrate, audio_bitrate=rendition.audio_bitrate,
    )


_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def bits_per_second(rate: str) -> int:
    """'2500k' -> 2500000; a clear error for anything else."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"bitrate {rate!r} is not a number with an optional k or M suffix")
    number, suffix = match.groups()
    return int(float(number) * {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()])


def ffmpeg_args(source: Path, plans: Sequence[RenditionPlan], out_dir: Path, preset: str,
                video_stream: int = 0) -> list[str]:
    """ffmpeg arguments (after the global ones) that write every plan into out_dir."""
    labels = [f"v{i}" for i in range(len(plans))]
    graph = [f"[0:{video_stream}]split={len(plans)}" + "".join(f"[s{i}]" for i in range(len(plans)))]
    for i, plan in enumerate(plans):
        graph.append(f"[s{i}]scale={plan.width}:{plan.height},setsar=1,format=yuv420p[{labels[i]}]")
    args = ["-i", str(source), "-filter_complex", ";".join(graph)]
    for label, plan in zip(labels, plans, strict=True):
        max_rate = bits_per_second(plan.video_bitrate)
        args += [
            "-map", f"[{label}]", "-map", "0:a:0?",
            "-c:v", "libx264", "-preset", preset, "-crf", str(plan.crf),
            "-maxrate", str(max_rate), "-bufsize", str(2 * max_rate),
            "-c:a", "aac", "-b:a", str(bits_per_second(plan.audio_bitrate)),
            "-movflags", "+faststart", "-f", "mp4", str(out_dir / plan.filename),
        ]
    return args


def transcode(
    source: Path,
    facts: ProbeResult,
    out_dir: Path,
    settings: TranscodeConfig,
    on_progress: ProgressCallback | None = None,
) -> list[Rendition]:
    """Write the planned renditions of source into out_dir, smallest first."""
    plans = plan_renditions(facts.width, facts.height, settings.renditions)
    run_ffmpeg(
        ffmpeg_args(source, plans, out_dir, settings.preset, facts.video_stream),
        stall_seconds=settings.stall_seconds, duration=facts.duration,
        on_progress=on_progress, what="transcode",
    )
    renditions = [Rendition(plan, out_dir / plan.filename) for plan in plans]
    for rendition in renditions:
        if not rendition.path.is_file() or rendition.size_bytes == 0:
            raise FfmpegFailed(f"transcode finished but wrote no {rendition.plan.filename}")
    return renditions
