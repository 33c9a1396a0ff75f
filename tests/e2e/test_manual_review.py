"""Manual face review end to end: the workflow waits for people, their answers complete it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from viblio_pipeline.demo.sample import build_sample

pytestmark = pytest.mark.timeout(600)


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture
def fleet(local_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The local fleet under supervisord, every face sent to review."""
    env = {**local_env, "VIBLIO__MEDIA__FACES__REVIEW_CONFIDENCE": "0.999"}
    up = cli(env, "fleet", "up", timeout=240)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield env
    finally:
        cli(env, "fleet", "down", timeout=240)


def wait_for(check: object, seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def media_status(env: dict[str, str], media_uuid: str) -> dict[str, object]:
    shown = cli(env, "media", "show", media_uuid, "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def stage_status(media: dict[str, object], stage: str) -> str | None:
    for record in media["stages"]:  # type: ignore[attr-defined]
        if record["stage"] == stage:
            return str(record["status"])
    return None


def test_manual_review_parks_the_workflow_until_the_last_answer(fleet: dict[str, str], tmp_path: Path) -> None:
    clip, _ = build_sample(tmp_path / "astronaut.mp4", photo_dir=None, seconds_per_shot=1.0)
    submitted = cli(fleet, "submit", str(clip), "--user-uuid", "reviewer-test", "--manual")
    assert submitted.returncode == 0, submitted.stderr
    media_uuid = submitted.stdout.strip()

    def queued() -> list[dict[str, object]]:
        listed = cli(fleet, "review", "list", "--media", media_uuid, "--json")
        return [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]

    faces = wait_for(queued, 300, "faces in the review queue")
    assert isinstance(faces, list) and faces
    wait_for(lambda: stage_status(media_status(fleet, media_uuid), "recognize_faces") == "waiting", 30,
             "recognize_faces to be parked")
    time.sleep(2)
    assert media_status(fleet, media_uuid)["status"] == "visible", "the workflow waits for the review"

    *first, last = faces
    for face in first:
        answered = cli(fleet, "review", "answer", str(face["face_id"]), "--new-name", "Eileen Collins")
        assert answered.returncode == 0 and "still pending" in answered.stdout
    final = cli(fleet, "review", "answer", str(last["face_id"]), "--new-name", "Eileen Collins")
    assert final.returncode == 0, final.stderr
    assert "review complete; recognize_faces task completed" in final.stdout

    wait_for(lambda: media_status(fleet, media_uuid)["status"] == "complete", 120, "the media to complete")
    media = media_status(fleet, media_uuid)
    assert stage_status(media, "notify") == "completed"
    assert str(media["picture_uri"]).endswith(".jpg")
