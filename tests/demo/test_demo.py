"""The README's first command, end to end: fleet up, sample in, summary out, fleet down."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def isolated_env(var: Path, port: int) -> dict[str, str]:
    """The local environment, with every piece of state in a temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")}
    env.update({
        "VIBLIO_ENV": "local",
        "VIBLIO__PATHS__VAR_DIR": str(var),
        "VIBLIO__SWF__ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "VIBLIO__SWF__LOCAL_SERVER__PORT": str(port),
        "VIBLIO__SWF__LOCAL_SERVER__POLL_TIMEOUT": "2",
        "VIBLIO__SWF__LOCAL_SERVER__DB_PATH": str(var / "swf.sqlite3"),
        "VIBLIO__CATALOG__URL": f"sqlite:///{var / 'catalog.sqlite3'}",
        "VIBLIO__STORAGE__LOCAL_DIR": str(var / "objects"),
        "VIBLIO__POPEYE__SPOOL_DIR": str(var / "spool"),
    })
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.timeout(600)
def test_demo_processes_the_sample_and_ends_with_the_summary(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = isolated_env(var, free_port())
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
