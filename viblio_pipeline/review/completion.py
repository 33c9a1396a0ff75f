"""Completing a parked recognize_faces task by its token, once its review is done."""

from __future__ import annotations

import json
from typing import Any

from viblio_pipeline.config import Config
from viblio_pipeline.swf.client import SwfClient, is_unknown_resource, make_client


class TooLate(RuntimeError):
    """SWF no longer knows the task: it timed out or its workflow closed."""


def swf_client(config: Config) -> SwfClient:
    return make_client(config, read_timeout=30)


def complete_task(client: SwfClient, task_token: str, result: dict[str, Any]) -> None:
    """RespondActivityTaskCompleted; TooLate if the activity is gone."""
    try:
        client.respond_activity_task_completed(taskToken=task_token, result=json.dumps(result))
    except Exception as exc:
        if is_unknown_resource(exc):
            raise TooLate(
                "the recognize_faces task is gone (its activity timed out or its workflow closed); "
                "the answers are kept in the catalog"
            ) from exc
        raise
