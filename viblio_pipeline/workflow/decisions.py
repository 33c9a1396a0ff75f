"""boto3 decision dicts, one small constructor per decision type."""

from __future__ import annotations

import json
from typing import Any

from viblio_pipeline.workflow.failure import MAX_DATA, clip

Decision = dict[str, Any]


def to_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), default=str)


def schedule_activity(activity_type: dict[str, str], activity_id: str, task_list: str,
                      timeouts: dict[str, str], input_text: str, control: dict[str, Any]) -> Decision:
    return {
        "decisionType": "ScheduleActivityTask",
        "scheduleActivityTaskDecisionAttributes": {
            "activityType": dict(activity_type),
            "activityId": activity_id,
            "taskList": {"name": task_list},
            "input": input_text,
            "control": to_json(control),
            **timeouts,
        },
    }


def request_cancel_activity(activity_id: str) -> Decision:
    return {
        "decisionType": "RequestCancelActivityTask",
        "requestCancelActivityTaskDecisionAttributes": {"activityId": activity_id},
    }


def start_timer(timer_id: str, seconds: int, control: dict[str, Any]) -> Decision:
    return {
        "decisionType": "StartTimer",
        "startTimerDecisionAttributes": {
            "timerId": timer_id,
            "startToFireTimeout": str(seconds),
            "control": to_json(control),
        },
    }


def cancel_timer(timer_id: str) -> Decision:
    return {"decisionType": "CancelTimer", "cancelTimerDecisionAttributes": {"timerId": timer_id}}


def record_marker(name: str, details: dict[str, Any]) -> Decision:
    return {
        "decisionType": "RecordMarker",
        "recordMarkerDecisionAttributes": {"markerName": name, "details": clip(to_json(details), MAX_DATA)},
    }


def complete_workflow(result: str) -> Decision:
    return {
        "decisionType": "CompleteWorkflowExecution",
        "completeWorkflowExecutionDecisionAttributes": {"result": result},
    }


def fail_workflow(reason: str, details: str) -> Decision:
    return {
        "decisionType": "FailWorkflowExecution",
        "failWorkflowExecutionDecisionAttributes": {"reason": clip(reason), "details": details},
    }


def cancel_workflow(details: str) -> Decision:
    return {
        "decisionType": "CancelWorkflowExecution",
        "cancelWorkflowExecutionDecisionAttributes": {"details": details},
    }
