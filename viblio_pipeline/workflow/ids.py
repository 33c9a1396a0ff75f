"""Workflow, activity and timer ids: derived, never random, so replays agree.

The workflow id comes from the media uuid so that SWF itself refuses to run the
same media twice at once; activity and timer ids carry the stage and a counter
so that every id is unique within the execution and readable in a history.
"""

from __future__ import annotations

import re

WORKFLOW_ID_PREFIX = "media-"
RETRY_TIMER_PREFIX = "retry-"
MAX_ID_LENGTH = 256

# SWF ids: no leading/trailing whitespace, no ':', '/', '|', no control characters, not "arn".
_FORBIDDEN = re.compile(r"[:/|\s\x00-\x1f\x7f-\x9f]")


def swf_id_problem(value: str) -> str | None:
    """Why value cannot be (part of) an SWF id or task list name, or None if it can."""
    if not value:
        return "is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value)} characters long (SWF allows {MAX_ID_LENGTH})"
    bad = _FORBIDDEN.search(value)
    if bad:
        return f"contains {bad.group()!r} (SWF ids allow no whitespace, ':', '/', '|' or control characters)"
    if value == "arn":
        return "is the reserved word 'arn'"
    return None


def workflow_id_for(media_uuid: str) -> str:
    """The one workflow id a media can have: "media-<uuid>"."""
    workflow_id = WORKFLOW_ID_PREFIX + media_uuid
    problem = swf_id_problem(media_uuid) or swf_id_problem(workflow_id)
    if problem:
        raise ValueError(f"media_uuid {media_uuid!r} cannot make a workflow id: it {problem}")
    return workflow_id


def activity_id(stage: str, attempt: int) -> str:
    """"<stage>-<attempt>", attempts counted from 1."""
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")
    return f"{stage}-{attempt}"


def parse_activity_id(value: str) -> tuple[str, int] | None:
    """(stage, attempt) of an id made by activity_id, or None for any other id."""
    stage, sep, number = value.rpartition("-")
    if not sep or not stage or not number.isdigit() or int(number) < 1:
        return None
    return stage, int(number)


def retry_timer_id(stage: str, serial: int) -> str:
    """"retry-<stage>-<n>": the backoff timer before a stage's next attempt."""
    return f"{RETRY_TIMER_PREFIX}{stage}-{serial}"


def parse_retry_timer_id(value: str) -> tuple[str, int] | None:
    """(stage, serial) of a retry timer id, or None for any other timer."""
    if not value.startswith(RETRY_TIMER_PREFIX):
        return None
    return parse_activity_id(value[len(RETRY_TIMER_PREFIX):])
