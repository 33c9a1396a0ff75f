"""Small synthetic videos made with ffmpeg's lavfi sources, for tests, benchmarks and the demo.

Generated at use time instead of checked in, so every shape a test needs
(rotation flag, portrait, no audio, a black opening, a recording date) is one
call away and the repository carries no binary fixtures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from viblio_pipeline.media.ffmpeg import run_ffmpeg

Pattern = Literal["testsrc2", "smptebars"]


def make_clip(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    duration: float = 1.0,
    fps: int = 15,
    audio: bool = True,
    rotation: int = 0,
    pattern: Pattern = "testsrc2",
    black_lead: float = 0.0,
    creation_time: str | None = None,
    preset: str = "ultrafast",
    crf: int = 23,
) -> Path:
    """Write an H.264(/AAC) MP4 of a moving test pattern to path and return path.

    rotation stores a display-rotation flag (degrees counter-clockwise) without
    touching the pixels, as phones do; black_lead prepends that many seconds of
    black picture (the pattern still lasts `duration`).
    """
    if width % 2 or height % 2:
        raise ValueError(f"sample size must be even for yuv420p, got {width}x{height}")
    size = f"{width}x{height}"
    total = black_lead + duration
    inputs = ["-f", "lavfi", "-i", f"{pattern}=s={size}:r={fps}:d={duration}"]
    video = "0:v"
    graph: list[str] = []
    if black_lead > 0:
        inputs += ["-f", "lavfi", "-i", f"color=c=black:s={size}:r={fps}:d={black_lead}"]
        graph.append("[1:v][0:v]concat=n=2:v=1:a=0[v]")
        video = "[v]"
    audio_input = 2 if black_lead > 0 else 1
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={total}"]
    args = [*inputs]
    if graph:
        args += ["-filter_complex", ";".join(graph)]
    args += ["-map", video]
    if audio:
        args += ["-map", f"{audio_input}:a", "-c:a", "aac", "-b:a", "64k"]
    args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-t", f"{total}"]
    if creation_time:
        args += ["-metadata", f"creation_time={creation_time}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    if rotation % 360 == 0:
        run_ffmpeg([*args, "-f", "mp4", str(path)], stall_seconds=60, duration=total, what="make_clip")
        return path
    with tempfile.TemporaryDirectory(prefix="viblio-sample-") as tmp:
        upright = Path(tmp) / "upright.mp4"
        run_ffmpeg([*args, "-f", "mp4", str(upright)], stall_seconds=60, duration=total, what="make_clip")
        # A stream copy keeps the pixels as they are and stores only the flag.
        run_ffmpeg(
            ["-display_rotation:v:0", str(rotation), "-i", str(upright), "-map", "0", "-c", "copy",
             "-map_metadata", "0", "-f", "mp4", str(path)],
            stall_seconds=60, what="make_clip rotation",
        )
    return path
