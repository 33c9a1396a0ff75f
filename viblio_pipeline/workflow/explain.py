"""A readable account of a history: where each stage stands, and the decisions owed.

For operators (the `replay` command); the decider itself never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viblio_pipeline.workflow.decider import decide, evaluate, summarise
from viblio_pipeline.workflow.decisions import Decision
from viblio_pipeline.workflow.history import Event
from viblio_pipeline.workflow.input import InvalidWorkflowInput, parse_workflow_input
from viblio_pipeline.workflow.spec import WorkflowSpec
from viblio_pipeline.workflow.state import replay
from viblio_pipeline.workflow.summary import Summary


@dataclass(frozen=True)
class Explanation:
    event_count: int
    closed: str | None
    cancel_reason: str | None
    input_error: str | None
    stages: Summary
    decisions: list[Decision]


def explain(events: list[Event], spec: WorkflowSpec) -> Explanation:
    state = replay(events, spec)
    input_error: str | None = None
    stages: Summary = {}
    try:
        if state.started_at is None:
            raise InvalidWorkflowInput("the history has no WorkflowExecutionStarted event (a partial history?)")
        workflow_input = parse_workflow_input(state.input)
        spec.check_input(workflow_input)
        stages = summarise(state, evaluate(state, spec, workflow_input, {}))
    except InvalidWorkflowInput as exc:
        input_error = str(exc)
    return Explanation(state.event_count, state.closed, state.cancel_reason, input_error, stages,
                       decide(events, spec))


def describe_decision(decision: Decision) -> str:
    """One line an operator can read for a boto3 decision dict."""
    kind = decision["decisionType"]
    attrs: dict[str, Any] = decision.get(kind[:1].lower() + kind[1:] + "DecisionAttributes", {})
    if kind == "ScheduleActivityTask":
        activity_type = attrs["activityType"]
        return (f"schedule {attrs['activityId']} ({activity_type['name']} {activity_type['version']}) "
                f"on task list {attrs['taskList']['name']}; timeouts: "
                f"schedule-to-start {attrs['scheduleToStartTimeout']}, start-to-close "
                f"{attrs['startToCloseTimeout']}, schedule-to-close {attrs['scheduleToCloseTimeout']}, "
                f"heartbeat {attrs['heartbeatTimeout']}")
    if kind == "StartTimer":
        return f"start timer {attrs['timerId']}, firing in {attrs['startToFireTimeout']} s"
    if kind == "CancelTimer":
        return f"cancel timer {attrs['timerId']}"
    if kind == "RequestCancelActivityTask":
        return f"ask activity {attrs['activityId']} to cancel"
    if kind == "RecordMarker":
        return f"record marker {attrs['markerName']}: {attrs.get('details', '')}"
    if kind == "CompleteWorkflowExecution":
        return f"complete the workflow; result: {_short(attrs.get('result', ''))}"
    if kind == "FailWorkflowExecution":
        return f"fail the workflow: {attrs['reason']}"
    if kind == "CancelWorkflowExecution":
        return f"cancel the workflow; details: {_short(attrs.get('details', ''))}"
    return f"{kind} {attrs}"


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
