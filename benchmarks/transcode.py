"""Transcode stage vs the bare ffmpeg command, and the worker's peak memory.

    .venv/bin/python benchmarks/transcode.py [--seconds 60] [--short 20] [--repeat 2]

Generates 720p30 test clips (testsrc2 + sine audio), then for each length runs
(a) the exact ffmpeg command the stage builds, bare (no progress pipe, no
Python), and (b) the whole transcode stage (probe, ffmpeg with progress and
stall watch, store, catalog) in a fresh worker process on a throwaway local
config. It prints wall times side by side and the peak RSS of the worker
(Python) process and of its ffmpeg child; the worker's must not grow with the
video's length. Runs alternate (bare, stage, bare, stage, ...) and each
run's stage/bare ratio is taken against the bare run just before it, medians
reported, to damp noise from other work on the machine. The stage's time
outside ffmpeg (probe, storing, catalog) and the worker's own CPU show its
overhead directly, even when a busy machine makes wall times jump.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from viblio_pipeline.config import load_config  # noqa: E402
from viblio_pipeline.media.ffmpeg import ffmpeg_exe  # noqa: E402
from viblio_pipeline.media.probe import probe  # noqa: E402
from viblio_pipeline.media.samples import make_clip  # noqa: E402
from viblio_pipeline.media.transcode import ffmpeg_args, plan_renditions  # noqa: E402


def run_stage(root: Path, clip: Path) -> dict[str, Any]:
    """In the worker process: the transcode stage on clip, timed, with peak RSS."""
    from viblio_pipeline.activities.base import ActivityContext
    from viblio_pipeline.activities.transcode import handle
    from viblio_pipeline.media import transcode as transcode_module
    from viblio_pipeline.media.ffmpeg import run_ffmpeg as real_run
    from viblio_pipeline.storage import media_key

    inside_ffmpeg = 0.0

    def timed_run(*args: Any, **kwargs: Any) -> None:
        nonlocal inside_ffmpeg
        started = time.perf_counter()
        try:
            real_run(*args, **kwargs)
        finally:
            inside_ffmpeg += time.perf_counter() - started

    transcode_module.__dict__["run_ffmpeg"] = timed_run  # time the stage's ffmpeg from outside

    config = load_config("local", REPO / "conf", environ={"VIBLIO__PATHS__ROOT": str(root)})
    ctx = ActivityContext(config=config, stage="transcode")
    media = f"bench-{int(time.time() * 1000)}"
    ctx.catalog.create_media(media, "bench")
    ctx.catalog.set_media_status(media, "processing")
    key = media_key("bench", media, "original.mp4")
    ctx.store.put_file(key, clip, "video/mp4")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    self_before = cpu_seconds(resource.RUSAGE_SELF)
    children_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = handle(ctx, {"media_uuid": media, "user_uuid": "bench", "results": {"upload": {"key": key}}})
    wall = time.perf_counter() - started
    worker_cpu = cpu_seconds(resource.RUSAGE_SELF) - self_before
    return {
        "wall": wall,
        "cpu": worker_cpu + cpu_seconds(resource.RUSAGE_CHILDREN) - children_before,
        "worker_cpu": worker_cpu,
        "outside_ffmpeg": wall - inside_ffmpeg,
        "worker_rss_before_kib": rss_before,
        "worker_peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "ffmpeg_peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "renditions": [(r["name"], r["width"], r["height"], r["bytes"]) for r in result["renditions"]],
    }


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def raw_ffmpeg(clip: Path, out_dir: Path) -> tuple[float, float, list[str]]:
    """The stage's own ffmpeg command, run bare; (wall seconds, CPU seconds, command)."""
    settings = load_config("local", REPO / "conf", environ={}).settings.media.transcode
    facts = probe(clip)
    plans = plan_renditions(facts.width, facts.height, settings.renditions)
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               *ffmpeg_args(clip, plans, out_dir, settings.preset, facts.video_stream)]
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before, command


def stage_in_worker(root: Path, clip: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", str(root), str(clip)], check=True,
                         capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the long clip")
    parser.add_argument("--short", type=float, default=20.0, help="length of the short clip (memory check)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--worker", nargs=2, metavar=("ROOT", "CLIP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_stage(Path(args.worker[0]), Path(args.worker[1]))))
        return

    with tempfile.TemporaryDirectory(prefix="viblio-bench-") as tmp:
        work = Path(tmp)
        rows = []
        for seconds in (args.short, args.seconds):
            clip = work / f"clip-{seconds:g}s.mp4"
            started = time.perf_counter()
            make_clip(clip, width=1280, height=720, fps=30, duration=seconds, preset="veryfast", crf=18)
            print(f"generated {clip.name} ({clip.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            raw_runs: list[tuple[float, float]] = []
            stage_runs: list[dict[str, Any]] = []
            command: list[str] = []
            for attempt in range(args.repeat):
                out = work / f"raw-{seconds:g}-{attempt}"
                out.mkdir()
                wall, cpu, command = raw_ffmpeg(clip, out)
                raw_runs.append((wall, cpu))
                shutil.rmtree(out)
                stage = stage_in_worker(work / f"root-{seconds:g}-{attempt}", clip)
                stage_runs.append(stage)
                print(f"  {seconds:g}s run {attempt + 1}: bare {wall:.2f} s wall / {cpu:.2f} s CPU, "
                      f"stage {stage['wall']:.2f} s wall / {stage['cpu']:.2f} s CPU "
                      f"(ratio {stage['wall'] / wall:.3f}x; outside ffmpeg {stage['outside_ffmpeg']:.2f} s, "
                      f"worker CPU {stage['worker_cpu']:.2f} s)", flush=True)
            rows.append({
                "seconds": seconds,
                "bare": median([w for w, _ in raw_runs]), "bare_cpu": median([c for _, c in raw_runs]),
                "stage": median([r["wall"] for r in stage_runs]),
                "stage_cpu": median([r["cpu"] for r in stage_runs]),
                "ratio": median([r["wall"] / w for r, (w, _) in zip(stage_runs, raw_runs, strict=True)]),
                "outside": median([r["outside_ffmpeg"] for r in stage_runs]),
                "worker_cpu": median([r["worker_cpu"] for r in stage_runs]),
                "worker_rss": max(r["worker_peak_rss_kib"] for r in stage_runs),
                "ffmpeg_rss": max(r["ffmpeg_peak_rss_kib"] for r in stage_runs),
            })
            renditions = stage_runs[-1]["renditions"]
        print()
        print("raw command: " + " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)))
        print(f"renditions: {renditions}")
        print()
        print("medians of the runs; ratio = median of each run's stage/bare wall-time ratio")
        print("| 720p30 clip | bare ffmpeg wall / CPU | transcode stage wall / CPU | ratio | stage outside ffmpeg "
              "| worker CPU | worker peak RSS | ffmpeg peak RSS |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows:
            print(f"| {row['seconds']:g} s | {row['bare']:.2f} s / {row['bare_cpu']:.2f} s "
                  f"| {row['stage']:.2f} s / {row['stage_cpu']:.2f} s | {row['ratio']:.3f}x "
                  f"| {row['outside']:.2f} s | {row['worker_cpu']:.2f} s "
                  f"| {mib(row['worker_rss'])} | {mib(row['ffmpeg_rss'])} |")


if __name__ == "__main__":
    main()
