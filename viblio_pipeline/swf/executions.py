"""Operator actions on executions: start, find, read history, signal, terminate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from viblio_pipeline.config import Settings
from viblio_pipeline.swf.client import SwfClient, error_code
from viblio_pipeline.workflow.ids import workflow_id_for


class AlreadyRunning(Exception):
    """A media's workflow is still open: it cannot be processed twice at once."""


class ExecutionNotFound(Exception):
    pass


def start(client: SwfClient, settings: Settings, media_uuid: str, user_uuid: str,
          extra: dict[str, Any] | None = None) -> dict[str, str]:
    """Start the media's workflow; its id is derived from the media uuid."""
    workflow = settings.swf.workflow
    body = {**(extra or {}), "media_uuid": media_uuid, "user_uuid": user_uuid}
    workflow_id = workflow_id_for(media_uuid)
    try:
        answer = client.start_workflow_execution(
            domain=settings.swf.domain, workflowId=workflow_id,
            workflowType={"name": workflow.name, "version": workflow.version},
            taskList={"name": settings.decider_task_list}, input=json.dumps(body),
            tagList=[f"user:{user_uuid}"[:256]])
    except Exception as exc:
        if error_code(exc) == "WorkflowExecutionAlreadyStartedFault":
            raise AlreadyRunning(f"media {media_uuid} is already running as workflow {workflow_id}") from None
        raise
    return {"workflowId": workflow_id, "runId": answer["runId"]}


def _pages(call: Any, key: str, **args: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = call(**args)
        yield from page.get(key, [])
        token = page.get("nextPageToken")
        if not token:
            return
        args["nextPageToken"] = token


def _window(days: int = 366) -> dict[str, datetime]:
    return {"oldestDate": datetime.now(UTC) - timedelta(days=days)}


def open_executions(client: SwfClient, settings: Settings) -> list[dict[str, Any]]:
    return list(_pages(client.list_open_workflow_executions, "executionInfos",
                       domain=settings.swf.domain, startTimeFilter=_window()))


def find_execution(client: SwfClient, settings: Settings, workflow_id: str,
                   run_id: str | None = None) -> dict[str, str]:
    """The run to look at: the given one, the open one, else the latest closed one."""
    if run_id:
        return {"workflowId": workflow_id, "runId": run_id}
    domain = settings.swf.domain
    for lister in (client.list_open_workflow_executions, client.list_closed_workflow_executions):
        page = lister(domain=domain, startTimeFilter=_window(), executionFilter={"workflowId": workflow_id},
                      maximumPageSize=1)
        if page.get("executionInfos"):
            found: dict[str, str] = page["executionInfos"][0]["execution"]
            return found
    raise ExecutionNotFound(f"no execution with workflow id {workflow_id!r} in domain {domain}")


def history(client: SwfClient, settings: Settings, execution: dict[str, str]) -> list[dict[str, Any]]:
    return list(_pages(client.get_workflow_execution_history, "events", domain=settings.swf.domain,
                       execution=execution, maximumPageSize=1000))


def pending_counts(client: SwfClient, settings: Settings, host: str | None = None) -> dict[str, int]:
    """Backlog per task list: the decider's and each stage's."""
    domain = settings.swf.domain
    counts = {settings.decider_task_list: int(client.count_pending_decision_tasks(
        domain=domain, taskList={"name": settings.decider_task_list})["count"])}
    for stage, spec in settings.stages.items():
        if spec.per_host_task_list and not host:
            continue
        task_list = settings.stage_task_list(stage, host)
        counts[task_list] = int(client.count_pending_activity_tasks(
            domain=domain, taskList={"name": task_list})["count"])
    return counts
