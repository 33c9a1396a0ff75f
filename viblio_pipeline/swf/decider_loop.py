"""The decider process: long poll, read every history page, decide, respond."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from viblio_pipeline.config import Config
from viblio_pipeline.logs import bind
from viblio_pipeline.swf.client import SwfClient, is_unknown_resource
from viblio_pipeline.swf.pollloop import PollLoop, default_identity, elapsed_ms
from viblio_pipeline.swf.stopping import StopController
from viblio_pipeline.workflow.decider import decide
from viblio_pipeline.workflow.spec import WorkflowSpec

log = logging.getLogger(__name__)


class DeciderLoop(PollLoop):
    def __init__(self, client: SwfClient, config: Config, stop: StopController,
                 identity: str | None = None, on_failure: Callable[[str, str], None] | None = None) -> None:
        super().__init__(stop)
        self.on_failure = on_failure  # (media_uuid, reason) once the workflow is failed or cancelled
        self.client = client
        self.config = config
        self.spec = WorkflowSpec.from_settings(config.settings)
        self.identity = identity or default_identity()

    def poll_once(self) -> dict[str, Any] | None:
        args = {"domain": self.config.settings.swf.domain,
                "taskList": {"name": self.config.settings.decider_task_list},
                "identity": self.identity, "maximumPageSize": 1000}
        first: dict[str, Any] = self.client.poll_for_decision_task(**args)
        if not first.get("taskToken"):
            return None
        events = list(first.get("events", []))
        page = first
        while page.get("nextPageToken"):
            page = self.client.poll_for_decision_task(**args, nextPageToken=page["nextPageToken"])
            events.extend(page.get("events", []))
        return {**first, "events": events}

    def handle(self, task: dict[str, Any]) -> None:
        execution = task.get("workflowExecution", {})
        media_uuid = _media_uuid(task["events"])
        with bind(workflow_id=execution.get("workflowId"), run_id=execution.get("runId"),
                  media_uuid=media_uuid, activity="decider"):
            started = time.monotonic()
            try:
                decisions = decide(task["events"], self.spec)
            except Exception:
                # Not answering lets the decision task time out and be redelivered,
                # e.g. to a fixed decider after a deploy; nothing is lost.
                log.exception("decider failed on this history; leaving the decision task to time out")
                return
            try:
                self.client.respond_decision_task_completed(taskToken=task["taskToken"], decisions=decisions)
            except Exception as exc:
                if not is_unknown_resource(exc):
                    raise
                log.warning("decision task no longer known (timed out); it was rescheduled")
                return
            with bind(duration_ms=elapsed_ms(started)):
                log.info("decided: %s", ", ".join(d["decisionType"] for d in decisions) or "nothing",
                         extra={"events": len(task["events"])})
            reason = _closing_failure(decisions)
            if reason is not None and media_uuid and self.on_failure is not None:
                try:
                    self.on_failure(media_uuid, reason)
                except Exception:
                    log.exception("could not mark media %s failed in the catalog", media_uuid)


def _closing_failure(decisions: list[dict[str, Any]]) -> str | None:
    for decision in decisions:
        if decision["decisionType"] == "FailWorkflowExecution":
            attrs = decision.get("failWorkflowExecutionDecisionAttributes", {})
            return str(attrs.get("reason") or "workflow failed")
        if decision["decisionType"] == "CancelWorkflowExecution":
            return "workflow cancelled"
    return None


def _media_uuid(events: list[dict[str, Any]]) -> str | None:
    for event in events[:1]:
        attrs = event.get("workflowExecutionStartedEventAttributes", {})
        try:
            data = json.loads(attrs.get("input") or "{}")
        except json.JSONDecodeError:
            return None
        return data.get("media_uuid") if isinstance(data, dict) else None
    return None
