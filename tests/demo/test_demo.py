"""The README's first command, end to end: fleet up, sample in, summary out, fleet down."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_demo_processes_the_sample_and_ends_with_the_summary(tmp_path: Path, local_env: dict[str, str]) -> None:
    var = tmp_path / "var"
    env = local_env
    photos = REPO / "var" / "test-photos"
    result = subprocess.run(
        [sys.executable, "-m", "viblio_pipeline", "demo", "--stop", "--timeout", "400", "--photos", str(photos)],
        env=env, capture_output=True, text=True, timeout=580, check=False)
    out = result.stdout
    assert result.returncode == 0, f"{out[-3000:]}\n{result.stderr[-3000:]}"
    assert "workflow closed: COMPLETED" in out
    for stage in ("upload", "transcode", "previews", "detect_faces", "recognize_faces", "notify"):
        assert re.search(rf"^\s+{stage}\s+completed\s+[\d.]+ s\s+attempts 1$", out, re.M), stage
    faces = int(re.search(r"faces found: (\d+)", out).group(1))  # type: ignore[union-attr]
    assert faces >= 1
    picture = re.search(r"chosen picture: file://(\S+)", out).group(1)  # type: ignore[union-attr]
    assert "/faces/track-" in picture and Path(picture).is_file()
    assert "main rendition" in out and "poster" in out and "animated" in out
    assert "the fleet is stopped" in out
    assert not (var / "supervisor.sock").exists() or "has shut down" in out
