"""The failure details contract shared by workers and the decider, and size limits."""

from __future__ import annotations

import json

import pytest

from viblio_pipeline.workflow import encode_failure_details, parse_failure_details
from viblio_pipeline.workflow.summary import bounded_json


def test_details_written_by_a_worker_read_back_the_same() -> None:
    details = parse_failure_details(encode_failure_details("bad_input", "not a video", retry=False))
    assert (details.retry, details.error, details.message) == (False, "bad_input", "not a video")


@pytest.mark.parametrize("raw", [None, "", "Traceback (most recent call last)", "[1, 2]", '{"error": "x"}',
                                 '{"retry": "no", "error": "x", "message": "m"}'])
def test_anything_but_a_boolean_retry_counts_as_a_retryable_crash(raw: str | None) -> None:
    assert parse_failure_details(raw, reason="worker died").retry is True


def test_a_crash_keeps_the_reason_as_its_message() -> None:
    details = parse_failure_details("core dumped", reason="SIGSEGV in decoder")
    assert (details.error, details.message) == ("crash", "SIGSEGV in decoder")


def test_encoded_details_stay_under_the_swf_limit() -> None:
    assert len(encode_failure_details("huge", "x" * 100_000, retry=True)) < 32768


def test_oversized_json_sheds_summary_detail_before_anything_else() -> None:
    summary = {f"stage{n}": {"status": "skipped", "reason": "r" * 500} for n in range(100)}
    text = bounded_json({"media_uuid": "m", "summary": summary})
    data = json.loads(text)
    assert len(text) < 32768
    assert data["media_uuid"] == "m"
    assert data["summary"]["stage7"] == {"status": "skipped"}
