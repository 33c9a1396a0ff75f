"""The workflow input: what StartWorkflowExecution was given, checked once.

A bad input is a clear, final answer (the decider fails the workflow with the
reason), never a crash of the decider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from viblio_pipeline.workflow.ids import swf_id_problem, workflow_id_for

# Keys the decider adds to every activity input; a workflow input may not set them.
RESERVED_KEYS = ("results", "summary")


class InvalidWorkflowInput(ValueError):
    """The workflow input is missing, not JSON, or lacks a required key."""


@dataclass(frozen=True)
class WorkflowInput:
    """The parsed input; `data` keeps every key, known or not, for the activities."""

    media_uuid: str
    user_uuid: str
    manual: bool = False
    popeye_host: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """A fresh copy of the input as activities receive it."""
        return dict(self.data)


def parse_workflow_input(raw: str | None) -> WorkflowInput:
    """Parse and check the JSON input; raise InvalidWorkflowInput saying what is wrong."""
    if raw is None or not raw.strip():
        raise InvalidWorkflowInput("input is missing: expected a JSON object with media_uuid and user_uuid")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidWorkflowInput(f"input is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidWorkflowInput(f"input must be a JSON object, got {type(data).__name__}")
    media_uuid = _required_string(data, "media_uuid")
    user_uuid = _required_string(data, "user_uuid")
    try:
        workflow_id_for(media_uuid)
    except ValueError as exc:
        raise InvalidWorkflowInput(str(exc)) from None
    manual = data.get("manual", False)
    if not isinstance(manual, bool):
        raise InvalidWorkflowInput(f"manual must be true or false, got {manual!r}")
    popeye_host = data.get("popeye_host")
    if popeye_host is not None:
        if not isinstance(popeye_host, str):
            raise InvalidWorkflowInput(f"popeye_host must be a string, got {popeye_host!r}")
        problem = swf_id_problem(popeye_host)
        if problem:
            raise InvalidWorkflowInput(f"popeye_host {popeye_host!r} cannot name a task list: it {problem}")
    for key in RESERVED_KEYS:
        if key in data:
            raise InvalidWorkflowInput(f"{key!r} is reserved for the decider and may not be in the input")
    return WorkflowInput(media_uuid=media_uuid, user_uuid=user_uuid, manual=manual,
                         popeye_host=popeye_host, data=data)


def _required_string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        raise InvalidWorkflowInput(f"{key} is required (a non-empty string)")
    if not isinstance(value, str) or not value.strip():
        raise InvalidWorkflowInput(f"{key} must be a non-empty string, got {value!r}")
    return value
