"""Executions, decision-task rules, every decision type and its failure events."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from lswf_kit import Swf, attrs, decision, schedule

pytestmark = pytest.mark.timeout(60)


def test_start_rules(swf: Swf) -> None:
    c = swf.c
    run = swf.start("w1", input="in", tagList=["a", "b"])
    with pytest.raises(c.exceptions.WorkflowExecutionAlreadyStartedFault):
        swf.start("w1")
    started = swf.history(run)[0]
    assert started["eventId"] == 1
    assert attrs(started) == {
        "input": "in", "executionStartToCloseTimeout": "300", "taskStartToCloseTimeout": "30",
        "childPolicy": "TERMINATE", "taskList": {"name": swf.decider_list}, "workflowType": swf.wf_type,
        "tagList": ["a", "b"], "parentInitiatedEventId": 0}
    assert attrs(swf.history(run)[1]) == {"taskList": {"name": swf.decider_list}, "startToCloseTimeout": "30"}
    c.terminate_workflow_execution(domain=swf.domain, workflowId="w1")
    second = swf.start("w1")  # reuse after close is allowed
    assert second["runId"] != run["runId"]
    c.register_workflow_type(domain=swf.domain, name="Bare", version="1")
    with pytest.raises(c.exceptions.DefaultUndefinedFault):
        swf.start("w2", workflowType={"name": "Bare", "version": "1"})
    with pytest.raises(ClientError) as exc:
        swf.start("w3", workflowType={"name": "Bare", "version": "1"}, taskList={"name": "t"},
                  executionStartToCloseTimeout="NONE", taskStartToCloseTimeout="5", childPolicy="ABANDON")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.UnknownResourceFault) as exc2:
        swf.start("w4", workflowType={"name": "Nope", "version": "1"})
    assert exc2.value.response["Error"]["Message"] == "Unknown type: WorkflowType=[name=Nope, version=1]"


def test_signal_cancel_terminate(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    run = swf.start("w")
    c.signal_workflow_execution(domain=d, workflowId="w", signalName="go", input="payload")
    c.request_cancel_workflow_execution(domain=d, workflowId="w", runId=run["runId"])
    events = swf.history(run)
    assert [e["eventType"] for e in events] == [
        "WorkflowExecutionStarted", "DecisionTaskScheduled", "WorkflowExecutionSignaled",
        "WorkflowExecutionCancelRequested"]
    assert attrs(events[2]) == {"signalName": "go", "input": "payload", "externalInitiatedEventId": 0}
    assert attrs(events[3]) == {"externalInitiatedEventId": 0}
    assert swf.describe(run)["executionInfo"]["cancelRequested"] is True
    c.terminate_workflow_execution(domain=d, workflowId="w", reason="why", details="more")
    last = swf.history(run)[-1]
    assert last["eventType"] == "WorkflowExecutionTerminated"
    assert attrs(last) == {"reason": "why", "details": "more", "childPolicy": "TERMINATE",
                           "cause": "OPERATOR_INITIATED"}
    info = swf.describe(run)["executionInfo"]
    assert (info["executionStatus"], info["closeStatus"]) == ("CLOSED", "TERMINATED")
    with pytest.raises(c.exceptions.UnknownResourceFault) as exc:
        c.signal_workflow_execution(domain=d, workflowId="w", signalName="late")
    assert exc.value.response["Error"]["Message"] == (
        "Unknown execution: WorkflowExecution=[workflowId=w, runId=None]")


def test_activity_lifecycle_event_shapes(swf: Swf) -> None:
    run = swf.start("w", input="i")
    task = swf.poll_decision()
    assert task["startedEventId"] == 3 and task["previousStartedEventId"] == 0
    assert task["workflowExecution"] == run and task["workflowType"] == swf.wf_type
    swf.decide(task, schedule("a1", input="x", control="ctl"), executionContext="ctx1")
    act = swf.poll_activity()
    assert act["activityId"] == "a1" and act["input"] == "x" and act["startedEventId"] == 6
    assert act["workflowExecution"] == run and act["activityType"] == swf.act_type
    swf.c.respond_activity_task_completed(taskToken=act["taskToken"], result="r")
    task = swf.poll_decision()
    assert task["previousStartedEventId"] == 3 and task["startedEventId"] == 9
    swf.decide(task, decision("CompleteWorkflowExecution", result="done"))
    events = swf.history(run)
    assert [e["eventId"] for e in events] == list(range(1, 12))
    got = [(e["eventType"], attrs(e)) for e in events[2:]]
    assert got == [
        ("DecisionTaskStarted", {"identity": "decider", "scheduledEventId": 2}),
        ("DecisionTaskCompleted", {"executionContext": "ctx1", "scheduledEventId": 2, "startedEventId": 3}),
        ("ActivityTaskScheduled", {
            "activityType": swf.act_type, "activityId": "a1", "input": "x", "control": "ctl",
            "scheduleToStartTimeout": "60", "scheduleToCloseTimeout": "120", "startToCloseTimeout": "60",
            "heartbeatTimeout": "NONE", "taskList": {"name": swf.activity_list},
            "decisionTaskCompletedEventId": 4}),
        ("ActivityTaskStarted", {"identity": "worker", "scheduledEventId": 5}),
        ("ActivityTaskCompleted", {"result": "r", "scheduledEventId": 5, "startedEventId": 6}),
        ("DecisionTaskScheduled", {"taskList": {"name": swf.decider_list}, "startToCloseTimeout": "30"}),
        ("DecisionTaskStarted", {"identity": "decider", "scheduledEventId": 8}),
        ("DecisionTaskCompleted", {"scheduledEventId": 8, "startedEventId": 9}),
        ("WorkflowExecutionCompleted", {"result": "done", "decisionTaskCompletedEventId": 10}),
    ]
    # Events of one response share its timestamp.
    assert events[9]["eventTimestamp"] == events[10]["eventTimestamp"]
    desc = swf.describe(run)
    assert desc["latestExecutionContext"] == "ctx1"
    assert desc["executionInfo"]["closeStatus"] == "COMPLETED"


def test_activity_failed_and_late_responses(swf: Swf) -> None:
    c = swf.c
    swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a1"))
    act = swf.poll_activity()
    c.respond_activity_task_failed(taskToken=act["taskToken"], reason="bad", details='{"retry": false}')
    with pytest.raises(c.exceptions.UnknownResourceFault) as exc:
        c.respond_activity_task_completed(taskToken=act["taskToken"])
    assert exc.value.response["Error"]["Message"] == "Unknown activity task"
    with pytest.raises(c.exceptions.UnknownResourceFault):
        c.record_activity_task_heartbeat(taskToken=act["taskToken"])
    task = swf.poll_decision()
    failed = next(e for e in task["events"] if e["eventType"] == "ActivityTaskFailed")
    assert attrs(failed) == {"reason": "bad", "details": '{"retry": false}', "scheduledEventId": 5,
                             "startedEventId": 6}
    swf.decide(task)
    with pytest.raises(c.exceptions.UnknownResourceFault) as exc:
        swf.decide(task)
    assert exc.value.response["Error"]["Message"] == "Unknown decision task"


def test_one_started_decision_and_collapsing_triggers(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    run = swf.start("w")
    task = swf.poll_decision()
    # While the task is started, triggers schedule exactly one next task, not handed out yet.
    for i in range(3):
        c.signal_workflow_execution(domain=d, workflowId="w", signalName=f"s{i}")
    assert swf.poll_decision()["startedEventId"] == 0  # empty poll: still one started task
    assert c.count_pending_decision_tasks(domain=d, taskList={"name": swf.decider_list})["count"] == 0
    assert swf.types(run)[3:] == ["WorkflowExecutionSignaled", "DecisionTaskScheduled",
                                  "WorkflowExecutionSignaled", "WorkflowExecutionSignaled"]
    swf.decide(task, decision("CompleteWorkflowExecution"))
    events = swf.history(run)
    assert [e["eventType"] for e in events[7:]] == ["DecisionTaskCompleted", "CompleteWorkflowExecutionFailed"]
    assert attrs(events[8]) == {"cause": "UNHANDLED_DECISION", "decisionTaskCompletedEventId": 8}
    assert c.count_pending_decision_tasks(domain=d, taskList={"name": swf.decider_list})["count"] == 1
    nxt = swf.poll_decision()
    assert nxt["previousStartedEventId"] == 3 and nxt["startedEventId"] == 10
    assert attrs(nxt["events"][-1]) == {"identity": "decider", "scheduledEventId": 5}
    swf.decide(nxt, decision("CompleteWorkflowExecution"))
    assert swf.describe(run)["executionInfo"]["closeStatus"] == "COMPLETED"


def test_unhandled_decision_keeps_other_decisions(swf: Swf) -> None:
    swf.start("w")
    task = swf.poll_decision()
    swf.c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="s")
    swf.decide(task, decision("RecordMarker", markerName="m", details="x"),
               decision("FailWorkflowExecution", reason="r"))
    task = swf.poll_decision()
    kinds = [e["eventType"] for e in task["events"]]
    assert kinds[-4:] == ["DecisionTaskCompleted", "MarkerRecorded", "FailWorkflowExecutionFailed",
                          "DecisionTaskStarted"]
    marker = next(e for e in task["events"] if e["eventType"] == "MarkerRecorded")
    assert attrs(marker) == {"markerName": "m", "details": "x", "decisionTaskCompletedEventId": 6}
    swf.decide(task, decision("CancelWorkflowExecution", details="bye"))
    last = swf.history(task["workflowExecution"])[-1]
    assert (last["eventType"], attrs(last)) == ("WorkflowExecutionCanceled",
                                                {"details": "bye", "decisionTaskCompletedEventId": 10})


def test_schedule_activity_failure_causes(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    c.register_activity_type(domain=d, name="Old", version="1")
    c.deprecate_activity_type(domain=d, activityType={"name": "Old", "version": "1"})
    c.register_activity_type(domain=d, name="NoList", version="1", defaultTaskScheduleToStartTimeout="5")
    c.register_activity_type(domain=d, name="NoTimeouts", version="1", defaultTaskList={"name": "x"})
    run = swf.start("w")
    swf.decide(swf.poll_decision(),
               schedule("a1"),
               schedule("a1"),
               schedule("a2", {"name": "Ghost", "version": "1"}),
               schedule("a3", {"name": "Old", "version": "1"}),
               schedule("a4", {"name": "NoList", "version": "1"}),
               schedule("a5", {"name": "NoTimeouts", "version": "1"}),
               schedule("a6", {"name": "NoTimeouts", "version": "1"}, scheduleToStartTimeout="5"),
               schedule("a7", {"name": "NoTimeouts", "version": "1"}, scheduleToStartTimeout="5",
                        scheduleToCloseTimeout="5"),
               schedule("a8", {"name": "NoTimeouts", "version": "1"}, scheduleToStartTimeout="5",
                        scheduleToCloseTimeout="5", startToCloseTimeout="5"))
    failed = [attrs(e) for e in swf.history(run) if e["eventType"] == "ScheduleActivityTaskFailed"]
    assert [(f["activityId"], f["cause"]) for f in failed] == [
        ("a1", "ACTIVITY_ID_ALREADY_IN_USE"), ("a2", "ACTIVITY_TYPE_DOES_NOT_EXIST"),
        ("a3", "ACTIVITY_TYPE_DEPRECATED"), ("a4", "DEFAULT_TASK_LIST_UNDEFINED"),
        ("a5", "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED"), ("a6", "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
        ("a7", "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED"), ("a8", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED")]
    assert failed[1] == {"activityType": {"name": "Ghost", "version": "1"}, "activityId": "a2",
                         "cause": "ACTIVITY_TYPE_DOES_NOT_EXIST", "decisionTaskCompletedEventId": 4}
    # The failures schedule one decision task; the ids of closed activities can be reused.
    assert swf.types(run).count("DecisionTaskScheduled") == 2


def test_request_cancel_activity(swf: Swf) -> None:
    c = swf.c
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("queued"), schedule("running", taskList={"name": "other-" + swf.domain}))
    act = swf.poll_activity(task_list="other-" + swf.domain)
    c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="wake")
    swf.decide(swf.poll_decision(),
               decision("RequestCancelActivityTask", activityId="queued"),
               decision("RequestCancelActivityTask", activityId="running"),
               decision("RequestCancelActivityTask", activityId="ghost"))
    events = swf.history(run)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["eventType"], []).append(e)
    requested = by_type["ActivityTaskCancelRequested"]
    assert attrs(requested[0]) == {"decisionTaskCompletedEventId": 11, "activityId": "queued"}
    assert attrs(by_type["ActivityTaskCanceled"][0]) == {
        "scheduledEventId": 5, "startedEventId": 0, "latestCancelRequestedEventId": requested[0]["eventId"]}
    assert attrs(by_type["RequestCancelActivityTaskFailed"][0]) == {
        "activityId": "ghost", "cause": "ACTIVITY_ID_UNKNOWN", "decisionTaskCompletedEventId": 11}
    assert swf.poll_activity()["startedEventId"] == 0  # the canceled task is never handed out
    assert c.record_activity_task_heartbeat(taskToken=act["taskToken"], details="d")["cancelRequested"] is True
    c.respond_activity_task_canceled(taskToken=act["taskToken"], details="undone")
    last = swf.history(run)
    canceled = [e for e in last if e["eventType"] == "ActivityTaskCanceled"][-1]
    assert attrs(canceled) == {"details": "undone", "scheduledEventId": 6, "startedEventId": 7,
                               "latestCancelRequestedEventId": requested[1]["eventId"]}


def test_timers(swf: Swf, ) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(),
               decision("StartTimer", timerId="t0", startToFireTimeout="0", control="c"),
               decision("StartTimer", timerId="t1", startToFireTimeout="100"),
               decision("StartTimer", timerId="t1", startToFireTimeout="5"),
               decision("CancelTimer", timerId="nope"))
    task = swf.poll_decision()
    kinds = [(e["eventType"], attrs(e)) for e in task["events"][4:]]
    assert kinds[0] == ("TimerStarted", {"timerId": "t0", "control": "c", "startToFireTimeout": "0",
                                         "decisionTaskCompletedEventId": 4})
    assert ("StartTimerFailed", {"timerId": "t1", "cause": "TIMER_ID_ALREADY_IN_USE",
                                 "decisionTaskCompletedEventId": 4}) in kinds
    assert ("CancelTimerFailed", {"timerId": "nope", "cause": "TIMER_ID_UNKNOWN",
                                  "decisionTaskCompletedEventId": 4}) in kinds
    assert ("TimerFired", {"timerId": "t0", "startedEventId": 5}) in kinds
    assert swf.describe(run)["openCounts"]["openTimers"] == 1
    swf.decide(task, decision("CancelTimer", timerId="t1"))
    last = swf.history(run)[-1]
    assert (last["eventType"], attrs(last)) == ("TimerCanceled", {
        "timerId": "t1", "startedEventId": 6, "decisionTaskCompletedEventId": last["eventId"] - 1})
    assert swf.describe(run)["openCounts"]["openTimers"] == 0


def test_lambda_is_unavailable(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), decision("ScheduleLambdaFunction", id="l1", name="fn"))
    failed = swf.history(run)[4]
    assert (failed["eventType"], attrs(failed)) == ("ScheduleLambdaFunctionFailed", {
        "id": "l1", "name": "fn", "cause": "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION",
        "decisionTaskCompletedEventId": 4})
    assert swf.history(run)[5]["eventType"] == "DecisionTaskScheduled"


def test_signal_and_cancel_external(swf: Swf) -> None:
    source = swf.start("src")
    target = swf.start("dst")
    task = swf.poll_decision()
    assert task["workflowExecution"] == source
    swf.decide(task,
               decision("SignalExternalWorkflowExecution", workflowId="dst", signalName="hi", input="p"),
               decision("SignalExternalWorkflowExecution", workflowId="ghost", signalName="hi", control="k"),
               decision("RequestCancelExternalWorkflowExecution", workflowId="dst", runId=target["runId"]))
    src = [(e["eventType"], attrs(e)) for e in swf.history(source)[4:]]
    assert src == [
        ("SignalExternalWorkflowExecutionInitiated", {"workflowId": "dst", "signalName": "hi", "input": "p",
                                                      "decisionTaskCompletedEventId": 4}),
        ("SignalExternalWorkflowExecutionInitiated", {"workflowId": "ghost", "signalName": "hi",
                                                      "decisionTaskCompletedEventId": 4, "control": "k"}),
        ("RequestCancelExternalWorkflowExecutionInitiated", {"workflowId": "dst", "runId": target["runId"],
                                                             "decisionTaskCompletedEventId": 4}),
        ("ExternalWorkflowExecutionSignaled", {"workflowExecution": target, "initiatedEventId": 5}),
        ("DecisionTaskScheduled", {"taskList": {"name": swf.decider_list}, "startToCloseTimeout": "30"}),
        ("SignalExternalWorkflowExecutionFailed", {"workflowId": "ghost",
                                                   "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
                                                   "initiatedEventId": 6, "decisionTaskCompletedEventId": 4,
                                                   "control": "k"}),
        ("ExternalWorkflowExecutionCancelRequested", {"workflowExecution": target, "initiatedEventId": 7}),
    ]
    dst = [(e["eventType"], attrs(e)) for e in swf.history(target)[2:]]
    assert dst == [
        ("WorkflowExecutionSignaled", {"signalName": "hi", "input": "p", "externalWorkflowExecution": source,
                                       "externalInitiatedEventId": 5}),
        ("WorkflowExecutionCancelRequested", {"externalWorkflowExecution": source, "externalInitiatedEventId": 7}),
    ]


def test_child_workflows_and_failures(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    parent = swf.start("parent")
    swf.start("busy")
    swf.decide(swf.poll_decision(),
               decision("StartChildWorkflowExecution", workflowId="kid", workflowType=swf.wf_type, input="ki",
                        control="ctl"),
               decision("StartChildWorkflowExecution", workflowId="busy", workflowType=swf.wf_type),
               decision("StartChildWorkflowExecution", workflowId="x", workflowType={"name": "Nope", "version": "1"}))
    events = swf.history(parent)
    got = {e["eventType"]: [attrs(x) for x in events if x["eventType"] == e["eventType"]] for e in events}
    init = got["StartChildWorkflowExecutionInitiated"][0]
    assert init == {"workflowId": "kid", "workflowType": swf.wf_type, "control": "ctl", "input": "ki",
                    "executionStartToCloseTimeout": "300", "taskList": {"name": swf.decider_list},
                    "decisionTaskCompletedEventId": 4, "childPolicy": "TERMINATE", "taskStartToCloseTimeout": "30"}
    failed = got["StartChildWorkflowExecutionFailed"]
    assert {"workflowType": {"name": "Nope", "version": "1"}, "cause": "WORKFLOW_TYPE_DOES_NOT_EXIST",
            "workflowId": "x", "initiatedEventId": 0, "decisionTaskCompletedEventId": 4} in failed
    assert [f["cause"] for f in failed].count("WORKFLOW_ALREADY_RUNNING") == 1
    started = got["ChildWorkflowExecutionStarted"][0]
    kid = started["workflowExecution"]
    assert started == {"workflowExecution": kid, "workflowType": swf.wf_type, "initiatedEventId": 5}
    kid_start = attrs(swf.history(kid)[0])
    assert kid_start["parentWorkflowExecution"] == parent and kid_start["parentInitiatedEventId"] == 5
    assert swf.describe(kid)["executionInfo"]["parent"] == parent
    assert swf.describe(parent)["openCounts"]["openChildWorkflowExecutions"] == 1
    # Complete the child: the parent learns with initiated/started cross references.
    for _ in range(3):
        task = swf.poll_decision()
        if task["workflowExecution"] == kid:
            break
        swf.decide(task)
    swf.decide(task, decision("CompleteWorkflowExecution", result="kr"))
    done = next(e for e in swf.history(parent) if e["eventType"] == "ChildWorkflowExecutionCompleted")
    started_id = next(e["eventId"] for e in events if e["eventType"] == "ChildWorkflowExecutionStarted")
    assert attrs(done) == {"workflowExecution": kid, "workflowType": swf.wf_type, "result": "kr",
                           "initiatedEventId": 5, "startedEventId": started_id}
    c.terminate_workflow_execution(domain=d, workflowId="busy")


@pytest.mark.parametrize("policy", ["TERMINATE", "REQUEST_CANCEL", "ABANDON"])
def test_child_policy_on_parent_terminate(swf: Swf, policy: str) -> None:
    c, d = swf.c, swf.domain
    parent = swf.start("p")
    swf.decide(swf.poll_decision(), decision("StartChildWorkflowExecution", workflowId="k",
                                             workflowType=swf.wf_type))
    kid = next(attrs(e) for e in swf.history(parent) if e["eventType"] == "ChildWorkflowExecutionStarted")[
        "workflowExecution"]
    c.terminate_workflow_execution(domain=d, workflowId="p", childPolicy=policy)
    kid_events = swf.history(kid)
    info = swf.describe(kid)["executionInfo"]
    if policy == "TERMINATE":
        assert attrs(kid_events[-1]) == {"childPolicy": "TERMINATE", "cause": "CHILD_POLICY_APPLIED"}
        assert info["closeStatus"] == "TERMINATED"
    elif policy == "REQUEST_CANCEL":
        assert [e["eventType"] for e in kid_events][-1] == "WorkflowExecutionCancelRequested"
        assert attrs(kid_events[-1]) == {"cause": "CHILD_POLICY_APPLIED"}
        assert info["executionStatus"] == "OPEN" and info["cancelRequested"] is True
    else:
        assert info["executionStatus"] == "OPEN" and len(kid_events) == 2
    if info["executionStatus"] == "OPEN":
        c.terminate_workflow_execution(domain=d, workflowId="k")


def test_continue_as_new(swf: Swf) -> None:
    first = swf.start("w", input="1")
    swf.decide(swf.poll_decision(), decision("ContinueAsNewWorkflowExecution", input="2", tagList=["t"]))
    last = swf.history(first)[-1]
    new_run = attrs(last)["newExecutionRunId"]
    assert attrs(last) == {
        "input": "2", "decisionTaskCompletedEventId": 4, "newExecutionRunId": new_run,
        "executionStartToCloseTimeout": "300", "taskList": {"name": swf.decider_list},
        "taskStartToCloseTimeout": "30", "childPolicy": "TERMINATE", "tagList": ["t"], "workflowType": swf.wf_type}
    assert swf.describe(first)["executionInfo"]["closeStatus"] == "CONTINUED_AS_NEW"
    second = {"workflowId": "w", "runId": new_run}
    started = attrs(swf.history(second)[0])
    assert started["continuedExecutionRunId"] == first["runId"] and started["input"] == "2"
    task = swf.poll_decision()
    assert task["workflowExecution"] == second
    swf.decide(task, decision("ContinueAsNewWorkflowExecution", workflowTypeVersion="9"))
    failed = swf.history(second)[-2]
    assert (failed["eventType"], attrs(failed)["cause"]) == ("ContinueAsNewWorkflowExecutionFailed",
                                                             "WORKFLOW_TYPE_DOES_NOT_EXIST")


def test_malformed_decision_is_rejected(swf: Swf) -> None:
    swf.start("w")
    task = swf.poll_decision()
    with pytest.raises(ClientError) as exc:
        swf.decide(task, {"decisionType": "ScheduleActivityTask"})
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        swf.decide(task, decision("StartTimer", timerId="t", startToFireTimeout="soon"))
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    swf.decide(task, decision("CompleteWorkflowExecution"))  # the task is still valid


@pytest.mark.parametrize("kind", ["CompleteWorkflowExecution", "FailWorkflowExecution", "CancelWorkflowExecution",
                                  "ContinueAsNewWorkflowExecution"])
def test_every_close_decision_can_be_unhandled(swf: Swf, kind: str) -> None:
    run = swf.start("w")
    task = swf.poll_decision()
    swf.c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="s")
    swf.decide(task, decision(kind))
    failed = swf.history(run)[-1]
    assert failed["eventType"] == kind.removesuffix("Execution") + "ExecutionFailed"
    assert attrs(failed) == {"cause": "UNHANDLED_DECISION", "decisionTaskCompletedEventId": 6}
    assert swf.describe(run)["executionInfo"]["executionStatus"] == "OPEN"
    swf.decide(swf.poll_decision(), decision(kind))
    assert swf.describe(run)["executionInfo"]["executionStatus"] == "CLOSED"


def test_request_cancel_external_unknown(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), decision("RequestCancelExternalWorkflowExecution", workflowId="ghost",
                                             control="c"))
    events = swf.history(run)
    assert (events[5]["eventType"], attrs(events[5])) == ("RequestCancelExternalWorkflowExecutionFailed", {
        "workflowId": "ghost", "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION", "initiatedEventId": 5,
        "decisionTaskCompletedEventId": 4, "control": "c"})
    assert events[6]["eventType"] == "DecisionTaskScheduled"
