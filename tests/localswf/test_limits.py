"""Per-execution limits: history size, open activities, timers and children."""

from __future__ import annotations

from typing import Any

import pytest
from lswf_kit import Swf, attrs, decision, schedule

pytestmark = pytest.mark.timeout(120)


def failures(swf: Swf, run: dict[str, str], kind: str) -> list[dict[str, Any]]:
    return [attrs(e) for e in swf.history(run) if e["eventType"] == kind]


def test_history_limit_terminates_with_event_limit_exceeded(swf: Swf) -> None:
    run = swf.start("big")
    task = swf.poll_decision()
    rounds = 0
    while True:
        swf.decide(task, *[decision("RecordMarker", markerName="m") for _ in range(1000)])
        rounds += 1
        if swf.describe(run)["executionInfo"]["executionStatus"] == "CLOSED":
            break
        swf.c.signal_workflow_execution(domain=swf.domain, workflowId="big", signalName="more")
        task = swf.poll_decision(maximumPageSize=1)
        assert rounds < 30
    events = swf.history(run)
    assert len(events) == 25_000
    assert events[-1]["eventType"] == "WorkflowExecutionTerminated"
    assert attrs(events[-1]) == {"childPolicy": "TERMINATE", "cause": "EVENT_LIMIT_EXCEEDED"}
    assert swf.describe(run)["executionInfo"]["closeStatus"] == "TERMINATED"


def test_open_activities_limit(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), *[schedule(f"a{i}") for i in range(1001)])
    failed = failures(swf, run, "ScheduleActivityTaskFailed")
    assert [(f["activityId"], f["cause"]) for f in failed] == [("a1000", "OPEN_ACTIVITIES_LIMIT_EXCEEDED")]
    assert swf.describe(run)["openCounts"]["openActivityTasks"] == 1000
    swf.c.terminate_workflow_execution(domain=swf.domain, workflowId="w")


def test_open_timers_limit(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), *[decision("StartTimer", timerId=f"t{i}", startToFireTimeout="600")
                                      for i in range(1001)])
    failed = failures(swf, run, "StartTimerFailed")
    assert [(f["timerId"], f["cause"]) for f in failed] == [("t1000", "OPEN_TIMERS_LIMIT_EXCEEDED")]
    assert swf.describe(run)["openCounts"]["openTimers"] == 1000
    swf.c.terminate_workflow_execution(domain=swf.domain, workflowId="w")


def test_open_children_limit(swf: Swf) -> None:
    run = swf.start("parent")
    swf.decide(swf.poll_decision(), *[decision("StartChildWorkflowExecution", workflowId=f"k{i}",
                                               workflowType=swf.wf_type) for i in range(1001)])
    failed = failures(swf, run, "StartChildWorkflowExecutionFailed")
    assert [(f["workflowId"], f["cause"], f["initiatedEventId"]) for f in failed] == [
        ("k1000", "OPEN_CHILDREN_LIMIT_EXCEEDED", 0)]
    assert swf.describe(run)["openCounts"]["openChildWorkflowExecutions"] == 1000
    swf.c.terminate_workflow_execution(domain=swf.domain, workflowId="parent")
    count = swf.c.count_open_workflow_executions(domain=swf.domain, startTimeFilter={"oldestDate": 0})
    assert count["count"] == 0  # child policy TERMINATE closed every child
