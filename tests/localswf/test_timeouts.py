"""Every timeout kind is enforced by the server on time, with no client call."""

from __future__ import annotations

import time
from typing import Any

import pytest
from lswf_kit import Swf, attrs, decision, schedule, wait_for

pytestmark = pytest.mark.timeout(60)


def wait_event(swf: Swf, run: dict[str, str], event_type: str, timeout: float = 8.0) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((e for e in swf.history(run) if e["eventType"] == event_type), None)

    found: dict[str, Any] = wait_for(find, timeout=timeout, interval=0.05)
    return found


def fired_after(event: dict[str, Any], reference: dict[str, Any]) -> float:
    return (event["eventTimestamp"] - reference["eventTimestamp"]).total_seconds()


def test_activity_schedule_to_start(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a", scheduleToStartTimeout="1"))
    scheduled = swf.history(run)[4]
    timed_out = wait_event(swf, run, "ActivityTaskTimedOut")
    assert attrs(timed_out) == {"timeoutType": "SCHEDULE_TO_START", "scheduledEventId": 5, "startedEventId": 0}
    assert 0.95 <= fired_after(timed_out, scheduled) < 1.6
    assert swf.poll_activity()["startedEventId"] == 0  # never handed out afterwards
    assert swf.history(run)[timed_out["eventId"]]["eventType"] == "DecisionTaskScheduled"


def test_activity_start_to_close_and_late_response(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a", startToCloseTimeout="1"))
    act = swf.poll_activity()
    timed_out = wait_event(swf, run, "ActivityTaskTimedOut")
    assert attrs(timed_out) == {"timeoutType": "START_TO_CLOSE", "scheduledEventId": 5, "startedEventId": 6}
    assert 0.95 <= fired_after(timed_out, swf.history(run)[5]) < 1.6
    with pytest.raises(swf.c.exceptions.UnknownResourceFault):
        swf.c.respond_activity_task_completed(taskToken=act["taskToken"], result="late")


def test_activity_schedule_to_close(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a", scheduleToCloseTimeout="2", startToCloseTimeout="30"))
    swf.poll_activity()
    timed_out = wait_event(swf, run, "ActivityTaskTimedOut")
    assert attrs(timed_out)["timeoutType"] == "SCHEDULE_TO_CLOSE"
    assert 1.95 <= fired_after(timed_out, swf.history(run)[4]) < 2.6


def test_activity_heartbeat_timeout_keeps_last_details(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a", heartbeatTimeout="1"))
    act = swf.poll_activity()
    for step in range(3):  # heartbeats keep it alive past the 1 s timeout
        time.sleep(0.5)
        swf.c.record_activity_task_heartbeat(taskToken=act["taskToken"], details=f"step {step}")
    beat = time.time()
    timed_out = wait_event(swf, run, "ActivityTaskTimedOut")
    assert attrs(timed_out) == {"timeoutType": "HEARTBEAT", "scheduledEventId": 5, "startedEventId": 6,
                                "details": "step 2"}
    assert 0.9 <= timed_out["eventTimestamp"].timestamp() - beat < 1.6


def test_decision_start_to_close(swf: Swf) -> None:
    run = swf.start("w", taskStartToCloseTimeout="1")
    task = swf.poll_decision()
    timed_out = wait_event(swf, run, "DecisionTaskTimedOut")
    assert attrs(timed_out) == {"timeoutType": "START_TO_CLOSE", "scheduledEventId": 2, "startedEventId": 3}
    assert 0.95 <= fired_after(timed_out, swf.history(run)[2]) < 1.6
    rescheduled = swf.history(run)[4]
    assert (rescheduled["eventType"], attrs(rescheduled)) == (
        "DecisionTaskScheduled", {"taskList": {"name": swf.decider_list}, "startToCloseTimeout": "1"})
    with pytest.raises(swf.c.exceptions.UnknownResourceFault):
        swf.decide(task, decision("CompleteWorkflowExecution"))
    again = swf.poll_decision()
    assert again["startedEventId"] == 6 and again["previousStartedEventId"] == 0


def test_workflow_start_to_close(swf: Swf) -> None:
    run = swf.start("w", executionStartToCloseTimeout="1")
    task = swf.poll_decision()
    timed_out = wait_event(swf, run, "WorkflowExecutionTimedOut")
    assert attrs(timed_out) == {"timeoutType": "START_TO_CLOSE", "childPolicy": "TERMINATE"}
    assert 0.95 <= fired_after(timed_out, swf.history(run)[0]) < 1.6
    assert swf.describe(run)["executionInfo"]["closeStatus"] == "TIMED_OUT"
    with pytest.raises(swf.c.exceptions.UnknownResourceFault):
        swf.decide(task)


def test_child_timeout_reaches_parent(swf: Swf) -> None:
    parent = swf.start("p")
    swf.decide(swf.poll_decision(), decision("StartChildWorkflowExecution", workflowId="k",
                                             workflowType=swf.wf_type, executionStartToCloseTimeout="1"))
    event = wait_event(swf, parent, "ChildWorkflowExecutionTimedOut")
    got = attrs(event)
    assert got["timeoutType"] == "START_TO_CLOSE" and got["initiatedEventId"] == 5 and got["startedEventId"] == 6


def test_timer_fires_on_time(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), decision("StartTimer", timerId="t", startToFireTimeout="1"))
    fired = wait_event(swf, run, "TimerFired")
    assert attrs(fired) == {"timerId": "t", "startedEventId": 5}
    assert 0.95 <= fired_after(fired, swf.history(run)[4]) < 1.6


def test_retention_zero_purges_closed_executions(client: Any) -> None:
    swf = Swf(client, "purge-" + str(time.time_ns())).setup(retention="0")
    run = swf.start("w")
    swf.c.terminate_workflow_execution(domain=swf.domain, workflowId="w")

    def gone() -> bool:
        try:
            swf.describe(run)
        except swf.c.exceptions.UnknownResourceFault:
            return True
        return False

    wait_for(gone, timeout=5)
    assert swf.c.count_closed_workflow_executions(domain=swf.domain, startTimeFilter={"oldestDate": 0})["count"] == 0


def test_decision_schedule_to_start_on_a_temporary_task_list(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), taskList={"name": "nobody-polls"}, taskListScheduleToStartTimeout="1")
    swf.c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="s")
    timed_out = wait_event(swf, run, "DecisionTaskTimedOut")
    events = swf.history(run)
    assert attrs(events[3]) == {"scheduledEventId": 2, "startedEventId": 3, "taskList": {"name": "nobody-polls"},
                                "taskListScheduleToStartTimeout": "1"}
    scheduled = events[5]
    assert attrs(scheduled) == {"taskList": {"name": "nobody-polls"}, "startToCloseTimeout": "30",
                                "scheduleToStartTimeout": "1"}
    assert attrs(timed_out) == {"timeoutType": "SCHEDULE_TO_START", "scheduledEventId": 6, "startedEventId": 0}
    assert 0.95 <= fired_after(timed_out, scheduled) < 1.6
    # Rolled back to the original task list, without the temporary timeout.
    assert attrs(events[timed_out["eventId"]]) == {"taskList": {"name": swf.decider_list},
                                                   "startToCloseTimeout": "30"}
    assert swf.poll_decision()["startedEventId"] == timed_out["eventId"] + 2
