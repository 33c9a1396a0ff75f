"""Ids and the workflow input contract."""

from __future__ import annotations

import pytest

from viblio_pipeline.workflow import InvalidWorkflowInput, activity_id, parse_workflow_input, workflow_id_for
from viblio_pipeline.workflow.ids import parse_activity_id, parse_retry_timer_id, retry_timer_id


def test_workflow_id_is_derived_from_the_media_uuid() -> None:
    assert workflow_id_for("3f2b") == "media-3f2b"


@pytest.mark.parametrize("bad", ["", "a/b", "a:b", "a b", "x" * 300])
def test_workflow_id_refuses_what_swf_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot make a workflow id"):
        workflow_id_for(bad)


def test_activity_ids_are_stage_and_attempt_and_parse_back() -> None:
    assert activity_id("detect_faces", 3) == "detect_faces-3"
    assert parse_activity_id("detect_faces-3") == ("detect_faces", 3)
    assert parse_activity_id("activity id, an arbitrary string") is None


def test_retry_timer_ids_parse_back() -> None:
    assert parse_retry_timer_id(retry_timer_id("notify", 2)) == ("notify", 2)
    assert parse_retry_timer_id("grace") is None


def test_input_keeps_unknown_keys_for_the_activities() -> None:
    parsed = parse_workflow_input('{"media_uuid": "m", "user_uuid": "u", "manual": true, "title": "Beach"}')
    assert (parsed.media_uuid, parsed.user_uuid, parsed.manual) == ("m", "u", True)
    assert parsed.payload()["title"] == "Beach"


@pytest.mark.parametrize("raw, message", [
    (None, "input is missing"),
    ("", "input is missing"),
    ("{not json", "not valid JSON"),
    ("[1]", "must be a JSON object, got list"),
    ('{"user_uuid": "u"}', "media_uuid is required"),
    ('{"media_uuid": "m"}', "user_uuid is required"),
    ('{"media_uuid": 5, "user_uuid": "u"}', "media_uuid must be a non-empty string"),
    ('{"media_uuid": "m", "user_uuid": "u", "manual": "yes"}', "manual must be true or false"),
    ('{"media_uuid": "m", "user_uuid": "u", "popeye_host": "a b"}', "popeye_host 'a b' cannot name a task list"),
    ('{"media_uuid": "m", "user_uuid": "u", "results": {}}', "'results' is reserved"),
])
def test_bad_input_is_refused_with_a_clear_reason(raw: str | None, message: str) -> None:
    with pytest.raises(InvalidWorkflowInput, match=message):
        parse_workflow_input(raw)
