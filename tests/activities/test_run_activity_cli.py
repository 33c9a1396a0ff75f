"""`run-activity`: one stage's real handler run by hand, without SWF."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from viblio_pipeline.catalog import open_catalog
from viblio_pipeline.config import load_config
from viblio_pipeline.media.samples import make_clip

REPO = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_upload_then_transcode_by_hand(local_env: dict[str, str], tmp_path: Path) -> None:
    config = load_config("local", REPO / "conf", environ=local_env)
    media_uuid, user_uuid = str(uuid.uuid4()), "by-hand"
    open_catalog(config).create_media(media_uuid, user_uuid)
    spool = config.path(config.settings.popeye.spool_dir) / media_uuid
    spool.mkdir(parents=True)
    clip = make_clip(spool / "clip.mp4", duration=1.0)
    workflow_input = {"media_uuid": media_uuid, "user_uuid": user_uuid,
                      "original": {"spool_path": str(clip), "filename": "clip.mp4"}}

    uploaded = run(local_env, "run-activity", "upload", "--input", json.dumps(workflow_input))
    assert uploaded.returncode == 0, uploaded.stderr
    upload_result = json.loads(uploaded.stdout)
    assert not clip.exists(), "the spool file goes once the stored copy is verified"

    transcoded = run(local_env, "run-activity", "transcode", "--input",
                     json.dumps({**workflow_input, "results": {"upload": upload_result}}))
    assert transcoded.returncode == 0, transcoded.stderr
    assert json.loads(transcoded.stdout)["renditions"]
    assert open_catalog(config).get_media(media_uuid).status == "visible"


def test_a_handler_error_is_one_line_with_its_code_and_retry_flag(local_env: dict[str, str]) -> None:
    body = {"media_uuid": "m", "user_uuid": "u", "original": {"spool_path": "/etc/passwd", "filename": "x"}}
    result = run(local_env, "run-activity", "upload", "--input", json.dumps(body))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: upload failed (") and "retry=false" in last


def test_unknown_stage_and_bad_json_are_refused(local_env: dict[str, str]) -> None:
    unknown = run(local_env, "run-activity", "nope", "--input", "{}")
    assert unknown.returncode == 2 and "unknown stage 'nope'" in unknown.stderr
    bad = run(local_env, "run-activity", "upload", "--input", "{not json")
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr
