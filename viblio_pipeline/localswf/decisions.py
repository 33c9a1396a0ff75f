"""RespondDecisionTaskCompleted: apply a decider's decisions to its execution.

Each decision records its event or its `...Failed` event (which schedules a
new decision task). Close decisions fail with UNHANDLED_DECISION when a new
decision task was scheduled while this one ran. Cross-execution effects
(signals, cancel requests, child starts) are applied after the whole batch,
as SWF records them after the DecisionTaskCompleted batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, StructureShape

from viblio_pipeline.localswf import paging
from viblio_pipeline.localswf.engine import (
    OPEN_ACTIVITIES_LIMIT,
    OPEN_CHILDREN_LIMIT,
    OPEN_TIMERS_LIMIT,
    new_run_id,
)
from viblio_pipeline.localswf.faults import UnknownResourceFault, ValidationException
from viblio_pipeline.localswf.ops import MAX_EXEC_TIMEOUT, Operations
from viblio_pipeline.localswf.state import Activity, Child, Execution, Json, Timer, duration_text, now
from viblio_pipeline.localswf.validation import operation_model, parse_duration

DURATION_FIELDS = ("scheduleToStartTimeout", "scheduleToCloseTimeout", "startToCloseTimeout",
                   "heartbeatTimeout", "executionStartToCloseTimeout", "taskStartToCloseTimeout")
ACTIVITY_TIMEOUTS = (
    ("scheduleToStartTimeout", "defaultTaskScheduleToStartTimeout", "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED"),
    ("scheduleToCloseTimeout", "defaultTaskScheduleToCloseTimeout", "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("startToCloseTimeout", "defaultTaskStartToCloseTimeout", "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("heartbeatTimeout", "defaultTaskHeartbeatTimeout", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED"),
)


class DecisionFailed(Exception):
    """A decision that SWF answers with its `...Failed` event and this cause."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def attr_key(decision_type: str) -> str:
    return decision_type[0].lower() + decision_type[1:] + "DecisionAttributes"


def precheck(decisions: list[Json]) -> None:
    """Reject malformed decisions before any is applied (ValidationException)."""
    input_shape = operation_model("RespondDecisionTaskCompleted").input_shape
    assert input_shape is not None
    decisions_shape = input_shape.members["decisions"]
    assert isinstance(decisions_shape, ListShape)
    decision_shape = decisions_shape.member
    assert isinstance(decision_shape, StructureShape)
    for index, decision in enumerate(decisions, start=1):
        key = attr_key(decision["decisionType"])
        shape = decision_shape.members[key]
        assert isinstance(shape, StructureShape)
        attrs = decision.get(key)
        path = f"decisions.{index}.member.{key}"
        if attrs is None:
            if shape.required_members:
                raise ValidationException(f"1 validation error detected: Value null at '{path}' failed to "
                                          "satisfy constraint: Member must not be null")
            continue
        for name in DURATION_FIELDS:
            if attrs.get(name) is not None:
                parse_duration(attrs[name], f"{path}.{name}",
                               allow_none=name != "executionStartToCloseTimeout")
        limit = attrs.get("executionStartToCloseTimeout")
        if limit is not None and int(limit) > MAX_EXEC_TIMEOUT:
            raise ValidationException(f"1 validation error detected: Value '{limit}' at "
                                      f"'{path}.executionStartToCloseTimeout' failed to satisfy constraint: "
                                      f"Member must be at most {MAX_EXEC_TIMEOUT} seconds")
        if decision["decisionType"] == "StartTimer":
            parse_duration(attrs["startToFireTimeout"], f"{path}.startToFireTimeout", allow_none=False)


class DecisionBatch:
    """One RespondDecisionTaskCompleted call being applied."""

    def __init__(self, ops: Operations, exe: Execution, completed_id: int, unhandled: bool, ts: float) -> None:
        self.ops = ops
        self.e = ops.e
        self.exe = exe
        self.done = completed_id
        self.unhandled = unhandled
        self.ts = ts
        self.later: list[Callable[[], None]] = []

    def event(self, event_type: str, attrs: Json, exe: Execution | None = None) -> int:
        return self.e.add_event(exe or self.exe, event_type, attrs, self.ts)

    def failed(self, event_type: str, attrs: Json) -> None:
        self.event(event_type, {**attrs, "decisionTaskCompletedEventId": self.done})
        self.e.schedule_decision(self.exe, self.ts)

    def apply(self, decision: Json) -> None:
        dtype = decision["decisionType"]
        attrs = decision.get(attr_key(dtype)) or {}
        handler: Callable[[Json], None] = getattr(self, "d_" + dtype)
        handler(attrs)

    # -- activities and timers -----------------------------------------------------------
    def d_ScheduleActivityTask(self, a: Json) -> None:
        exe, atype = self.exe, a["activityType"]
        try:
            rec = self.e.types.get((exe.domain, "activity", atype["name"], atype["version"]))
            if rec is None:
                raise DecisionFailed("ACTIVITY_TYPE_DOES_NOT_EXIST")
            if rec.status == "DEPRECATED":
                raise DecisionFailed("ACTIVITY_TYPE_DEPRECATED")
            if a["activityId"] in exe.activities:
                raise DecisionFailed("ACTIVITY_ID_ALREADY_IN_USE")
            if len(exe.activities) >= OPEN_ACTIVITIES_LIMIT:
                raise DecisionFailed("OPEN_ACTIVITIES_LIMIT_EXCEEDED")
            task_list = (a.get("taskList") or rec.config.get("defaultTaskList") or {}).get("name")
            if not task_list:
                raise DecisionFailed("DEFAULT_TASK_LIST_UNDEFINED")
            timeouts: dict[str, str] = {}
            for field, default, cause in ACTIVITY_TIMEOUTS:
                value = a.get(field) or rec.config.get(default)
                if value is None:
                    raise DecisionFailed(cause)
                timeouts[field] = value
        except DecisionFailed as exc:
            self.failed("ScheduleActivityTaskFailed", {"activityType": atype, "activityId": a["activityId"],
                                                       "cause": exc.cause})
            return
        priority = a.get("taskPriority") or rec.config.get("defaultTaskPriority")
        sid = self.event("ActivityTaskScheduled", {
            "activityType": atype, "activityId": a["activityId"], "input": a.get("input"),
            "control": a.get("control"), **timeouts, "taskList": {"name": task_list},
            "taskPriority": priority, "decisionTaskCompletedEventId": self.done,
        })
        if not sid:
            return
        act = Activity(
            activity_id=a["activityId"], scheduled_id=sid, activity_type=atype, task_list=task_list,
            priority=priority, input=a.get("input"), scheduled_at=self.ts,
            s2start=parse_duration(timeouts["scheduleToStartTimeout"], "scheduleToStartTimeout"),
            s2close=parse_duration(timeouts["scheduleToCloseTimeout"], "scheduleToCloseTimeout"),
            start2close=parse_duration(timeouts["startToCloseTimeout"], "startToCloseTimeout"),
            heartbeat=parse_duration(timeouts["heartbeatTimeout"], "heartbeatTimeout"),
        )
        exe.activities[act.activity_id] = act
        self.e.activity_lists.push(exe.domain, task_list, (exe.run_id, sid), priority)
        self.e.arm_activity(exe, act)

    def d_RequestCancelActivityTask(self, a: Json) -> None:
        act = self.exe.activities.get(a["activityId"])
        if act is None:
            self.failed("RequestCancelActivityTaskFailed", {"activityId": a["activityId"],
                                                            "cause": "ACTIVITY_ID_UNKNOWN"})
            return
        requested = self.event("ActivityTaskCancelRequested", {
            "decisionTaskCompletedEventId": self.done, "activityId": act.activity_id})
        if act.started_id:
            act.cancel_requested_id = requested
            return
        self.e.drop_activity(self.exe, act)
        self.event("ActivityTaskCanceled", {"scheduledEventId": act.scheduled_id, "startedEventId": 0,
                                            "latestCancelRequestedEventId": requested})
        self.e.schedule_decision(self.exe, self.ts)

    def d_StartTimer(self, a: Json) -> None:
        exe, timer_id = self.exe, a["timerId"]
        cause = ("TIMER_ID_ALREADY_IN_USE" if timer_id in exe.timers
                 else "OPEN_TIMERS_LIMIT_EXCEEDED" if len(exe.timers) >= OPEN_TIMERS_LIMIT else None)
        if cause:
            self.failed("StartTimerFailed", {"timerId": timer_id, "cause": cause})
            return
        started = self.event("TimerStarted", {
            "timerId": timer_id, "control": a.get("control"), "startToFireTimeout": a["startToFireTimeout"],
            "decisionTaskCompletedEventId": self.done})
        if not started:
            return
        seconds = parse_duration(a["startToFireTimeout"], "startToFireTimeout", allow_none=False) or 0
        timer = Timer(timer_id=timer_id, started_id=started, fire_at=self.ts + seconds, control=a.get("control"))
        exe.timers[timer_id] = timer
        self.e.scheduler.at(timer.fire_at, ("timer", exe.run_id, timer_id, started))

    def d_CancelTimer(self, a: Json) -> None:
        timer = self.exe.timers.pop(a["timerId"], None)
        if timer is None:
            self.failed("CancelTimerFailed", {"timerId": a["timerId"], "cause": "TIMER_ID_UNKNOWN"})
            return
        self.event("TimerCanceled", {"timerId": timer.timer_id, "startedEventId": timer.started_id,
                                     "decisionTaskCompletedEventId": self.done})

    def d_RecordMarker(self, a: Json) -> None:
        self.event("MarkerRecorded", {"markerName": a["markerName"], "details": a.get("details"),
                                      "decisionTaskCompletedEventId": self.done})

    def d_ScheduleLambdaFunction(self, a: Json) -> None:
        self.failed("ScheduleLambdaFunctionFailed", {"id": a["id"], "name": a["name"],
                                                     "cause": "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION"})

    # -- closing the run -----------------------------------------------------------------
    def _close(self, failed_type: str) -> bool:
        """True if the close may proceed; else records UNHANDLED_DECISION."""
        if self.unhandled:
            self.failed(failed_type, {"cause": "UNHANDLED_DECISION"})
            return False
        return True

    def d_CompleteWorkflowExecution(self, a: Json) -> None:
        if self._close("CompleteWorkflowExecutionFailed"):
            self.event("WorkflowExecutionCompleted", {"result": a.get("result"),
                                                      "decisionTaskCompletedEventId": self.done})
            self.e.close_run(self.exe, "COMPLETED", self.ts,
                             parent_event=("ChildWorkflowExecutionCompleted", {"result": a.get("result")}))

    def d_FailWorkflowExecution(self, a: Json) -> None:
        if self._close("FailWorkflowExecutionFailed"):
            extra = {"reason": a.get("reason"), "details": a.get("details")}
            self.event("WorkflowExecutionFailed", {**extra, "decisionTaskCompletedEventId": self.done})
            self.e.close_run(self.exe, "FAILED", self.ts, parent_event=("ChildWorkflowExecutionFailed", extra))

    def d_CancelWorkflowExecution(self, a: Json) -> None:
        if self._close("CancelWorkflowExecutionFailed"):
            extra = {"details": a.get("details")}
            self.event("WorkflowExecutionCanceled", {**extra, "decisionTaskCompletedEventId": self.done})
            self.e.close_run(self.exe, "CANCELED", self.ts,
                             parent_event=("ChildWorkflowExecutionCanceled", extra))

    def d_ContinueAsNewWorkflowExecution(self, a: Json) -> None:
        if not self._close("ContinueAsNewWorkflowExecutionFailed"):
            return
        exe = self.exe
        wtype = {"name": exe.workflow_type["name"],
                 "version": a.get("workflowTypeVersion") or exe.workflow_type["version"]}
        try:
            rec = self.e.types.get((exe.domain, "workflow", wtype["name"], wtype["version"]))
            if rec is None:
                raise DecisionFailed("WORKFLOW_TYPE_DOES_NOT_EXIST")
            if rec.status == "DEPRECATED":
                raise DecisionFailed("WORKFLOW_TYPE_DEPRECATED")
            r = self.ops.resolve_workflow(exe.domain, a, wtype, DecisionFailed)
        except DecisionFailed as exc:
            self.failed("ContinueAsNewWorkflowExecutionFailed", {"cause": exc.cause})
            return
        run_id = new_run_id()
        tags = list(a.get("tagList") or [])
        self.event("WorkflowExecutionContinuedAsNew", {
            "input": a.get("input"), "decisionTaskCompletedEventId": self.done, "newExecutionRunId": run_id,
            "executionStartToCloseTimeout": str(r["exec_timeout"]), "taskList": {"name": r["task_list"]},
            "taskPriority": r["priority"], "taskStartToCloseTimeout": duration_text(r["task_timeout"]),
            "childPolicy": r["child_policy"], "tagList": tags or None, "workflowType": wtype,
            "lambdaRole": r["lambda_role"]})
        self.e.close_run(exe, "CONTINUED_AS_NEW", self.ts, notify_parent=False)
        new = self.e.new_run(
            domain=exe.domain, workflow_id=exe.workflow_id, workflow_type=wtype, task_list=r["task_list"],
            priority=r["priority"], child_policy=r["child_policy"], exec_timeout=r["exec_timeout"],
            task_timeout=r["task_timeout"], tag_list=tags, input=a.get("input"), lambda_role=r["lambda_role"],
            ts=self.ts, parent=exe.parent, parent_initiated_id=exe.parent_initiated_id,
            continued_from=exe.run_id, run_id=run_id)
        if exe.parent:
            parent = self.e.runs.get(exe.parent["runId"])
            child = parent.children.get(exe.parent_initiated_id) if parent else None
            if parent is not None and child is not None:
                child.run_id = new.run_id
                self.e.touch(parent)

    # -- other executions ----------------------------------------------------------------
    def _target(self, workflow_id: str, run_id: str | None) -> Execution | None:
        open_run = self.e.open_ids.get((self.exe.domain, workflow_id))
        if open_run is None or (run_id and run_id != open_run):
            return None
        return self.e.runs.get(open_run)

    def d_SignalExternalWorkflowExecution(self, a: Json) -> None:
        base = {"workflowId": a["workflowId"], "runId": a.get("runId")}
        initiated = self.event("SignalExternalWorkflowExecutionInitiated", {
            **base, "signalName": a["signalName"], "input": a.get("input"),
            "decisionTaskCompletedEventId": self.done, "control": a.get("control")})
        source = self.exe

        def deliver() -> None:
            target = self._target(a["workflowId"], a.get("runId"))
            if target is None:
                self.failed("SignalExternalWorkflowExecutionFailed", {
                    **base, "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION", "initiatedEventId": initiated,
                    "control": a.get("control")})
                return
            self.event("WorkflowExecutionSignaled", {
                "signalName": a["signalName"], "input": a.get("input"),
                "externalWorkflowExecution": source.ref(), "externalInitiatedEventId": initiated}, target)
            self.e.schedule_decision(target, self.ts)
            self.event("ExternalWorkflowExecutionSignaled", {"workflowExecution": target.ref(),
                                                             "initiatedEventId": initiated})
            self.e.schedule_decision(source, self.ts)

        self.later.append(deliver)

    def d_RequestCancelExternalWorkflowExecution(self, a: Json) -> None:
        base = {"workflowId": a["workflowId"], "runId": a.get("runId")}
        initiated = self.event("RequestCancelExternalWorkflowExecutionInitiated", {
            **base, "decisionTaskCompletedEventId": self.done, "control": a.get("control")})
        source = self.exe

        def deliver() -> None:
            target = self._target(a["workflowId"], a.get("runId"))
            if target is None:
                self.failed("RequestCancelExternalWorkflowExecutionFailed", {
                    **base, "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION", "initiatedEventId": initiated,
                    "control": a.get("control")})
                return
            self.event("WorkflowExecutionCancelRequested", {
                "externalWorkflowExecution": source.ref(), "externalInitiatedEventId": initiated}, target)
            target.cancel_requested = True
            self.e.schedule_decision(target, self.ts)
            self.event("ExternalWorkflowExecutionCancelRequested", {"workflowExecution": target.ref(),
                                                                    "initiatedEventId": initiated})
            self.e.schedule_decision(source, self.ts)

        self.later.append(deliver)

    def d_StartChildWorkflowExecution(self, a: Json) -> None:
        exe, wtype = self.exe, a["workflowType"]
        failed_base = {"workflowType": wtype, "workflowId": a["workflowId"], "control": a.get("control")}
        try:
            rec = self.e.types.get((exe.domain, "workflow", wtype["name"], wtype["version"]))
            if rec is None:
                raise DecisionFailed("WORKFLOW_TYPE_DOES_NOT_EXIST")
            if rec.status == "DEPRECATED":
                raise DecisionFailed("WORKFLOW_TYPE_DEPRECATED")
            if len(exe.children) >= OPEN_CHILDREN_LIMIT:
                raise DecisionFailed("OPEN_CHILDREN_LIMIT_EXCEEDED")
            r = self.ops.resolve_workflow(exe.domain, a, wtype, DecisionFailed)
        except DecisionFailed as exc:
            self.failed("StartChildWorkflowExecutionFailed", {**failed_base, "cause": exc.cause,
                                                              "initiatedEventId": 0})
            return
        tags = list(a.get("tagList") or [])
        initiated = self.event("StartChildWorkflowExecutionInitiated", {
            "workflowId": a["workflowId"], "workflowType": wtype, "control": a.get("control"),
            "input": a.get("input"), "executionStartToCloseTimeout": str(r["exec_timeout"]),
            "taskList": {"name": r["task_list"]}, "taskPriority": r["priority"],
            "decisionTaskCompletedEventId": self.done, "childPolicy": r["child_policy"],
            "taskStartToCloseTimeout": duration_text(r["task_timeout"]), "tagList": tags or None,
            "lambdaRole": r["lambda_role"]})
        if not initiated:
            return
        child = Child(initiated_id=initiated, workflow_id=a["workflowId"], workflow_type=wtype)
        exe.children[initiated] = child

        def start() -> None:
            if not exe.is_open:
                return
            if (exe.domain, a["workflowId"]) in self.e.open_ids:
                exe.children.pop(initiated, None)
                self.failed("StartChildWorkflowExecutionFailed", {
                    **failed_base, "cause": "WORKFLOW_ALREADY_RUNNING", "initiatedEventId": initiated})
                return
            new = self.e.new_run(
                domain=exe.domain, workflow_id=a["workflowId"], workflow_type=wtype, task_list=r["task_list"],
                priority=r["priority"], child_policy=r["child_policy"], exec_timeout=r["exec_timeout"],
                task_timeout=r["task_timeout"], tag_list=tags, input=a.get("input"),
                lambda_role=r["lambda_role"], ts=self.ts, parent=exe.ref(), parent_initiated_id=initiated)
            child.run_id = new.run_id
            child.started_id = self.event("ChildWorkflowExecutionStarted", {
                "workflowExecution": new.ref(), "workflowType": wtype, "initiatedEventId": initiated})
            self.e.schedule_decision(exe, self.ts)

        self.later.append(start)


def respond_decision_task_completed(ops: Operations, p: dict[str, Any]) -> None:
    e = ops.e
    data = paging.decode(p["taskToken"], "taskToken")
    if not (isinstance(data, list) and len(data) == 3 and data[0] == "d"):
        raise UnknownResourceFault("Unknown decision task")
    exe = e.runs.get(data[1])
    if exe is None or not exe.is_open or exe.dt_started_id != data[2]:
        raise UnknownResourceFault("Unknown decision task")
    decisions: list[Json] = p.get("decisions") or []
    precheck(decisions)
    override = (p.get("taskList") or {}).get("name")
    s2start = parse_duration(p.get("taskListScheduleToStartTimeout"), "taskListScheduleToStartTimeout")
    if s2start is not None:  # temporary: the next decision task only, then back to the original list
        exe.next_dt_task_list, exe.decision_s2start = override, s2start
    elif override:  # without a timeout the override is permanent
        exe.task_list = override
    ts = now()
    unhandled = bool(exe.dt_scheduled_id)
    completed = e.add_event(exe, "DecisionTaskCompleted", {
        "executionContext": p.get("executionContext"), "scheduledEventId": exe.dt_started_sched_id,
        "startedEventId": exe.dt_started_id, "taskList": p.get("taskList"),
        "taskListScheduleToStartTimeout": p.get("taskListScheduleToStartTimeout")}, ts)
    if p.get("executionContext") is not None:
        exe.latest_context = p["executionContext"]
    exe.previous_started_id = data[2]
    batch = DecisionBatch(ops, exe, completed, unhandled, ts)
    for decision in decisions:
        if not exe.is_open:
            break
        batch.apply(decision)
    for action in batch.later:
        action()
    e.finish_decision(exe)
