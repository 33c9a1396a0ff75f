"""Failure reports stay inside SWF's limits and carry the retry flag."""

from __future__ import annotations

import json

from viblio_pipeline.swf.failures import failure_payload, heartbeat_details
from viblio_pipeline.swf.worker import attempt_of


def test_reason_is_cut_to_256_characters() -> None:
    reason, _ = failure_payload("ffmpeg_failed", "x" * 1000, retry=True)
    assert len(reason) == 256 and reason.startswith("ffmpeg_failed: xxx")


def test_details_are_json_with_retry_error_and_message() -> None:
    _, details = failure_payload("not_a_video", "the file is a text file", retry=False)
    assert json.loads(details) == {"retry": False, "error": "not_a_video", "message": "the file is a text file"}


def test_huge_message_is_cut_to_fit_details_limit() -> None:
    _, details = failure_payload("boom", "y" * 100_000, retry=True)
    assert len(details) <= 32768 and json.loads(details)["retry"] is True


def test_heartbeat_details_fit_2048_characters() -> None:
    assert len(heartbeat_details({"frames": 10, "log": "z" * 5000})) <= 2048
    assert json.loads(heartbeat_details({"frames": 10, "log": "z" * 5000})) == {"frames": 10}


def test_attempt_is_read_from_the_activity_id() -> None:
    assert attempt_of("detect_faces-3") == 3
    assert attempt_of("odd") == 1
