"""Face stages vs a bare dlib script on the same sampled frames, with peak memory.

    .venv/bin/python benchmarks/faces.py [--seconds 60] [--repeat 2]

Builds a 720p25 clip from real photos (face_recognition's test photos if
fetched with tests/faces/fetch_photos.py, else scikit-image's astronaut):
pans, zooms and face-free shots. Then, each in a fresh process, runs
(a) the detect_faces stage (decode, sample, detect, describe, track, score,
crops, faces JSON, catalog) followed by recognize_faces, on a throwaway local
config, and (b) a bare script: PyAV decoding of the same frames the stage
sampled, dlib's HOG detector, 5-point landmarks and ResNet descriptor, and
nothing else. Both load dlib's models before the clock starts (a worker
loads them once per process). Best of --repeat, runs alternating.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from viblio_pipeline.config import load_config  # noqa: E402
from viblio_pipeline.media.faces.samplevideo import (  # noqa: E402
    Portrait,
    Shot,
    astronaut,
    faceless_photo,
    load_portraits,
    write_video,
)

PHOTO_DIR = REPO / "var" / "test-photos"


def build_clip(path: Path, seconds: float) -> None:
    people: list[Portrait] = [*load_portraits(PHOTO_DIR).values(), astronaut()]
    cycle: list[Shot] = []
    for i, person in enumerate(people):
        cycle.append(person.shot(4.0, ("pan", "zoom", "still")[i % 3]))
        cycle.append(Shot(faceless_photo(), 1.5) if i % 2 else person.faceless_shot(1.5))
    shots: list[Shot] = []
    total = 0.0
    while total < seconds:
        shot = cycle[len(shots) % len(cycle)]
        shots.append(shot)
        total += shot.seconds
    write_video(path, shots, size=(1280, 720), fps=25, crf=20)


def settings() -> Any:
    return load_config("local", REPO / "conf", environ={}).settings.media.faces


def sampled_times(clip: Path) -> list[float]:
    """The frames the stage samples (same clock, same scene detection)."""
    from viblio_pipeline.media.faces.frames import FrameSampler

    s = settings()
    return [f.time for f in FrameSampler(clip, s.sample_fps, s.scene_change_threshold, s.detect_width)]


def run_stages(root: Path, clip: Path) -> dict[str, Any]:
    """In a worker process: detect_faces then recognize_faces, timed."""
    from viblio_pipeline.activities.base import ActivityContext
    from viblio_pipeline.activities.detect_faces import handle as detect
    from viblio_pipeline.activities.detect_faces import shared_engine
    from viblio_pipeline.activities.recognize_faces import handle as recognise
    from viblio_pipeline.storage import media_key

    config = load_config("local", REPO / "conf", environ={"VIBLIO__PATHS__ROOT": str(root)})
    ctx = ActivityContext(config=config, stage="detect_faces")
    media = f"bench-{int(time.time() * 1000)}"
    ctx.catalog.create_media(media, "bench")
    key = media_key("bench", media, "renditions", "720p.mp4")
    ctx.store.put_file(key, clip, "video/mp4")
    payload = {"media_uuid": media, "user_uuid": "bench", "results": {"transcode": {"main": key}}}
    shared_engine(config.settings.media.faces)  # a worker loads the models once, before its first task
    started = time.perf_counter()
    detected = detect(ctx, payload)
    detect_wall = time.perf_counter() - started
    started = time.perf_counter()
    recognised = recognise(ActivityContext(config=config, stage="recognize_faces"), payload)
    return {
        "detect_wall": detect_wall,
        "recognise_wall": time.perf_counter() - started,
        "frames_sampled": detected["frames_sampled"],
        "detections": detected["detections"],
        "tracks": detected["faces"],
        "contacts": recognised["contacts"],
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run_bare(clip: Path, times_file: Path) -> dict[str, Any]:
    """In a worker process: decode, detect, describe the same frames; nothing else."""
    import av
    import dlib
    import numpy as np

    from viblio_pipeline.media.faces.models import locate_models

    wanted = set(json.loads(times_file.read_text()))
    s = settings()
    files = locate_models()
    detector = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(str(files.shape_predictor))
    describer = dlib.face_recognition_model_v1(str(files.descriptor))
    started = time.perf_counter()
    frames = faces = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if frame.time not in wanted:
                continue
            frames += 1
            height = round(frame.height * s.detect_width / frame.width)
            image = np.ascontiguousarray(frame.to_ndarray(width=s.detect_width, height=height, format="rgb24"))
            for rect in detector(image, s.upsample):
                describer.compute_face_descriptor(image, shapes(image, rect))
                faces += 1
    return {"wall": time.perf_counter() - started, "frames": frames, "faces": faces,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def in_worker(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        figures = run_stages(Path(rest[0]), Path(rest[1])) if kind == "stage" else run_bare(Path(rest[0]),
                                                                                          Path(rest[1]))
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory(prefix="viblio-bench-faces-") as tmp:
        work = Path(tmp)
        clip = work / "faces-720p.mp4"
        started = time.perf_counter()
        build_clip(clip, args.seconds)
        print(f"built {clip.name} ({clip.stat().st_size / 1e6:.1f} MB, {args.seconds:g} s 720p25) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        times = work / "times.json"
        times.write_text(json.dumps(sampled_times(clip)))
        stages, bares = [], []
        for attempt in range(args.repeat):
            bares.append(in_worker("bare", str(clip), str(times)))
            stages.append(in_worker("stage", str(work / f"root-{attempt}"), str(clip)))
            print(f"  run {attempt + 1}: bare {bares[-1]['wall']:.2f} s, detect_faces "
                  f"{stages[-1]['detect_wall']:.2f} s, recognize_faces {stages[-1]['recognise_wall']:.3f} s",
                  flush=True)
        stage = min(stages, key=lambda r: r["detect_wall"])
        bare = min(bares, key=lambda r: r["wall"])
        s = settings()
        print()
        print(f"sampling {s.sample_fps:g} fps + scene changes, detect_width {s.detect_width}, upsample {s.upsample}: "
              f"{stage['frames_sampled']} frames sampled, {stage['detections']} detections, "
              f"{stage['tracks']} tracks, {stage['contacts']} contacts; bare: {bare['frames']} frames, "
              f"{bare['faces']} faces")
        print()
        print("| 60 s 720p25 clip | wall | sampled frames/s | ratio to bare | peak RSS |")
        print("|---|---|---|---|---|")
        print(f"| bare dlib script (decode + detect + describe) | {bare['wall']:.2f} s "
              f"| {bare['frames'] / bare['wall']:.1f} | 1.00x | {bare['peak_rss_kib'] / 1024:.0f} MiB |")
        print(f"| detect_faces stage | {stage['detect_wall']:.2f} s "
              f"| {stage['frames_sampled'] / stage['detect_wall']:.1f} | {stage['detect_wall'] / bare['wall']:.2f}x "
              f"| {stage['peak_rss_kib'] / 1024:.0f} MiB |")
        print(f"| recognize_faces stage | {stage['recognise_wall']:.3f} s | - | - | (same process) |")


if __name__ == "__main__":
    main()
