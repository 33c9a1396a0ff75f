"""The activity worker: poll one stage's task list, run its handler, answer SWF."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from viblio_pipeline.activities.base import (
    ActivityContext,
    ActivityError,
    CancelRequested,
    CompleteLater,
    Handler,
)
from viblio_pipeline.activities.recording import StageRecorder
from viblio_pipeline.config import Config
from viblio_pipeline.logs import bind
from viblio_pipeline.swf.client import SwfClient, is_unknown_resource
from viblio_pipeline.swf.failures import DETAILS_LIMIT, failure_payload, truncate
from viblio_pipeline.swf.heartbeat import Heartbeater
from viblio_pipeline.swf.pollloop import PollLoop, default_identity, elapsed_ms
from viblio_pipeline.swf.stopping import AbortTask, StopController

log = logging.getLogger(__name__)


def attempt_of(activity_id: str) -> int:
    """Activity ids are '<stage>-<attempt>'; anything else counts as attempt 1."""
    tail = activity_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 1


class ActivityWorker(PollLoop):
    def __init__(self, client: SwfClient, config: Config, stage: str, task_list: str, handler: Handler,
                 stop: StopController, identity: str | None = None, recorder: StageRecorder | None = None) -> None:
        super().__init__(stop)
        self.recorder = recorder
        self.client = client
        self.config = config
        self.stage = stage
        self.task_list = task_list
        self.handler = handler
        self.identity = identity or default_identity()
        self.interval = config.settings.stages[stage].heartbeat_interval

    def poll_once(self) -> dict[str, Any] | None:
        task: dict[str, Any] = self.client.poll_for_activity_task(
            domain=self.config.settings.swf.domain, taskList={"name": self.task_list},
            identity=self.identity)
        return task if task.get("taskToken") else None

    def handle(self, task: dict[str, Any]) -> None:
        execution = task.get("workflowExecution", {})
        attempt = attempt_of(task.get("activityId", ""))
        try:
            payload = json.loads(task.get("input") or "{}")
        except json.JSONDecodeError:
            payload = None
        context = {
            "workflow_id": execution.get("workflowId"), "run_id": execution.get("runId"),
            "media_uuid": payload.get("media_uuid") if isinstance(payload, dict) else None,
            "user_uuid": payload.get("user_uuid") if isinstance(payload, dict) else None,
            "activity": self.stage, "attempt": attempt,
        }
        with bind(**context):
            ctx = ActivityContext(config=self.config, stage=self.stage, attempt=attempt,
                                  workflow_id=context["workflow_id"], run_id=context["run_id"],
                                  task_token=task["taskToken"])
            started = time.monotonic()
            log.info("task started", extra={"activity_id": task.get("activityId")})
            if self.recorder and isinstance(payload, dict):
                self.recorder.started(ctx, payload)
            outcome = self._run_handler(ctx, task["taskToken"], payload)
            if self.recorder and isinstance(payload, dict):
                kind, value = outcome
                self.recorder.finished(ctx, payload, kind, value.message if kind == "failed" else None)
            with bind(duration_ms=elapsed_ms(started)):
                self._answer(task["taskToken"], outcome)

    def _run_handler(self, ctx: ActivityContext, token: str, payload: Any) -> tuple[str, Any]:
        if not isinstance(payload, dict):
            return "failed", ActivityError("invalid_input", "activity input is not a JSON object", retry=False)
        with Heartbeater(self.client, token, self.interval, ctx) as beats:
            try:
                with self.stop.task_in_hand():
                    result = self.handler(ctx, payload)
            except CompleteLater as parked:
                return "parked", str(parked)
            except CancelRequested as cancel:
                return ("lost" if beats.lost else "canceled"), str(cancel)
            except ActivityError as error:
                return "failed", error
            except AbortTask:
                return "failed", ActivityError("worker_stopped", "the worker was stopped mid-task", retry=True)
            except Exception as exc:
                log.exception("handler crashed")
                return "failed", ActivityError("unexpected_error", f"{type(exc).__name__}: {exc}", retry=True)
        return "completed", result

    def _answer(self, token: str, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        try:
            if kind == "completed":
                encoded = json.dumps(value if value is not None else {}, default=str)
                if len(encoded) > DETAILS_LIMIT:
                    kind, value = "failed", ActivityError(
                        "result_too_large", f"result is {len(encoded)} characters, SWF allows {DETAILS_LIMIT}",
                        retry=False)
                else:
                    self.client.respond_activity_task_completed(taskToken=token, result=encoded)
                    log.info("task completed")
                    return
            if kind == "failed":
                reason, details = failure_payload(value.code, value.message, value.retry)
                self.client.respond_activity_task_failed(taskToken=token, reason=reason, details=details)
                log.warning("task failed: %s", reason, extra={"retry": value.retry, "error": value.code})
            elif kind == "canceled":
                self.client.respond_activity_task_canceled(taskToken=token, details=truncate(value, 32768))
                log.info("task canceled on request")
            elif kind == "parked":
                log.info("task parked, to be completed later by its task token: %s", value)
            elif kind == "lost":
                log.warning("task abandoned: SWF no longer knows it (timed out or workflow closed)")
        except Exception as exc:
            if not is_unknown_resource(exc):
                raise
            log.warning("SWF no longer knows this task (timed out or workflow closed); moving on")
