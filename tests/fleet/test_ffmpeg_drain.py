"""Draining a transcode worker under supervisord while its ffmpeg is encoding.

The rendered program has stopasgroup/killasgroup; the stop must still let the
encode in hand finish: ffmpeg runs in a session of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from viblio_pipeline.fleet.supervisor_client import Supervisor
from viblio_pipeline.media.samples import make_clip

pytestmark = pytest.mark.timeout(600)


def cli(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def children_named(pid: int, name: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(") ")
        except OSError:
            continue
        command, rest = fields[0].split(" (", 1)[1], fields[-1].split()
        if name in command and int(rest[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def media(env: dict[str, str], media_uuid: str) -> dict[str, object]:
    shown = cli(env, "media", "show", media_uuid, "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def transcode_record(env: dict[str, str], media_uuid: str) -> dict[str, object] | None:
    for record in media(env, media_uuid)["stages"]:  # type: ignore[attr-defined]
        if record["stage"] == "transcode":
            return dict(record)
    return None


@pytest.fixture
def fleet(local_env: dict[str, str]) -> Iterator[dict[str, str]]:
    up = cli(local_env, "fleet", "up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield local_env
    finally:
        cli(local_env, "fleet", "down")


def test_stopping_transcode_mid_encode_finishes_the_task_without_retry(fleet: dict[str, str], tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", width=1280, height=720, duration=12, fps=30)
    submitted = cli(fleet, "submit", str(clip), "--user-uuid", "drain-test")
    assert submitted.returncode == 0, submitted.stderr
    media_uuid = submitted.stdout.strip()
    supervisor = Supervisor(Path(fleet["VIBLIO__PATHS__VAR_DIR"]) / "supervisor.sock")
    worker_pid = supervisor.process("pipeline:transcode_00").pid

    deadline = time.monotonic() + 180
    while not children_named(worker_pid, "ffmpeg"):
        assert time.monotonic() < deadline, "transcode never started ffmpeg"
        time.sleep(0.1)

    stopped = supervisor.stop("pipeline:transcode_00", wait=True)  # TERM to the group, then wait
    assert stopped.ok, stopped.description
    info = supervisor.process("pipeline:transcode_00")
    assert (info.state, info.exitstatus) == ("STOPPED", 0), supervisor.tail("pipeline:transcode_00")

    record = transcode_record(fleet, media_uuid)
    assert record is not None and (record["status"], record["attempts"]) == ("completed", 1)
    renditions = [a for a in media(fleet, media_uuid)["assets"] if a["kind"] == "rendition"]  # type: ignore[attr-defined]
    assert {a["name"] for a in renditions} == {"360p", "720p"}
