"""An in-memory SWF history writer for replay tests and the decider benchmark.

It records events with the exact attribute shapes of SWF (see the botocore
model) and applies decisions the way the service does: one decision task at a
time, a new one scheduled by every trigger, close decisions refused with
UNHANDLED_DECISION when a decision task was scheduled meanwhile, ids checked
against open activities and timers. It is not a server: time only moves when
told to, and nothing times out unless told to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from viblio_pipeline.workflow.history import Event, attributes_key

Decision = dict[str, Any]

CLOSE_DECISIONS = {
    "CompleteWorkflowExecution": ("WorkflowExecutionCompleted", "CompleteWorkflowExecutionFailed"),
    "FailWorkflowExecution": ("WorkflowExecutionFailed", "FailWorkflowExecutionFailed"),
    "CancelWorkflowExecution": ("WorkflowExecutionCanceled", "CancelWorkflowExecutionFailed"),
}


class HistoryBuilder:
    """Writes one execution's history; methods are named for what happens in SWF."""

    def __init__(self, start: float = 1_700_000_000.0, decider_task_list: str = "decider") -> None:
        self.events: list[Event] = []
        self.now = start
        self.task_list = decider_task_list
        self.closed = False
        self._decision_scheduled: int | None = None  # DecisionTaskScheduled event id, not yet started
        self._decision_started: tuple[int, int] | None = None  # (scheduled, started) of the running task
        self._triggered_while_running = False
        self._open_activities: dict[str, dict[str, int]] = {}  # id -> scheduled/started event ids
        self._open_timers: dict[str, int] = {}  # id -> TimerStarted event id
        self.refuse_schedule: dict[str, str] = {}  # activity id -> ScheduleActivityTaskFailed cause
        self.refuse_timer: dict[str, str] = {}  # timer id -> StartTimerFailed cause
        self.refuse_close: str | None = None  # e.g. OPERATION_NOT_PERMITTED for every close decision

    # bookkeeping

    def add(self, event_type: str, **attrs: Any) -> int:
        event_id = len(self.events) + 1
        self.events.append({"eventId": event_id, "eventTimestamp": self.now, "eventType": event_type,
                            attributes_key(event_type): attrs})
        return event_id

    def advance(self, seconds: float) -> HistoryBuilder:
        self.now += seconds
        return self

    def _trigger(self) -> None:
        if self._decision_started is not None:
            self._triggered_while_running = True
        if self._decision_scheduled is None and not self.closed:
            self._decision_scheduled = self.add(
                "DecisionTaskScheduled", taskList={"name": self.task_list}, startToCloseTimeout="60")

    # the execution

    def start(self, workflow_input: dict[str, Any] | str | None,
              workflow_type: tuple[str, str] = ("VideoProcessing", "1.0.0")) -> HistoryBuilder:
        attrs: dict[str, Any] = {
            "executionStartToCloseTimeout": "86400", "taskStartToCloseTimeout": "60",
            "childPolicy": "TERMINATE", "taskList": {"name": self.task_list},
            "workflowType": {"name": workflow_type[0], "version": workflow_type[1]},
            "parentInitiatedEventId": 0,
        }
        if workflow_input is not None:
            attrs["input"] = workflow_input if isinstance(workflow_input, str) else json.dumps(workflow_input)
        self.add("WorkflowExecutionStarted", **attrs)
        self._trigger()
        return self

    def signal(self, name: str, signal_input: Any = None) -> int:
        attrs: dict[str, Any] = {"signalName": name, "externalInitiatedEventId": 0}
        if signal_input is not None:
            attrs["input"] = signal_input if isinstance(signal_input, str) else json.dumps(signal_input)
        event_id = self.add("WorkflowExecutionSignaled", **attrs)
        self._trigger()
        return event_id

    def request_cancel(self) -> int:
        event_id = self.add("WorkflowExecutionCancelRequested", externalInitiatedEventId=0)
        self._trigger()
        return event_id

    # decision tasks

    def start_decision(self) -> int:
        assert self._decision_scheduled is not None, "no decision task is scheduled"
        assert self._decision_started is None, "a decision task is already running"
        scheduled = self._decision_scheduled
        started = self.add("DecisionTaskStarted", scheduledEventId=scheduled, identity="decider@test")
        self._decision_scheduled = None
        self._decision_started = (scheduled, started)
        self._triggered_while_running = False
        return started

    def time_out_decision(self) -> None:
        assert self._decision_started is not None, "no decision task is running"
        scheduled, started = self._decision_started
        self.add("DecisionTaskTimedOut", scheduledEventId=scheduled, startedEventId=started,
                 timeoutType="START_TO_CLOSE")
        self._decision_started = None
        self._trigger()

    def complete_decision(self, decisions: list[Decision]) -> int:
        """Record DecisionTaskCompleted and apply each decision in order, as SWF does."""
        assert self._decision_started is not None, "no decision task is running"
        scheduled, started = self._decision_started
        completed = self.add("DecisionTaskCompleted", scheduledEventId=scheduled, startedEventId=started)
        self._decision_started = None
        unhandled = self._triggered_while_running
        for decision in decisions:
            self._apply(decision, completed, unhandled)
        return completed

    def decision_failed(self, event_type: str, **attrs: Any) -> int:
        """Record a `...Failed` outcome of the last completed decision task (and the task it triggers)."""
        completed = max(e["eventId"] for e in self.events if e["eventType"] == "DecisionTaskCompleted")
        event_id = self.add(event_type, decisionTaskCompletedEventId=completed, **attrs)
        self._trigger()
        return event_id

    def decide(self, decide_fn: Callable[[list[Event]], list[Decision]]) -> list[Decision]:
        """One full decision task: start it, run decide_fn on the history, respond."""
        self.start_decision()
        decisions = decide_fn(list(self.events))
        self.complete_decision(decisions)
        return decisions

    def _apply(self, decision: Decision, completed: int, unhandled: bool) -> None:
        kind = decision["decisionType"]
        attrs = decision.get(kind[:1].lower() + kind[1:] + "DecisionAttributes", {})
        if kind in CLOSE_DECISIONS:
            done, failed = CLOSE_DECISIONS[kind]
            if unhandled or self.closed or self.refuse_close:
                cause = "UNHANDLED_DECISION" if unhandled or self.closed else self.refuse_close
                self.add(failed, cause=cause, decisionTaskCompletedEventId=completed)
                self._trigger()
            else:
                extra = {k: v for k, v in attrs.items() if k in ("result", "reason", "details")}
                self.add(done, decisionTaskCompletedEventId=completed, **extra)
                self.closed = True
                self._decision_scheduled = None
        elif kind == "ScheduleActivityTask":
            self._schedule(attrs, completed)
        elif kind == "RequestCancelActivityTask":
            self._request_cancel(attrs["activityId"], completed)
        elif kind == "StartTimer":
            self._start_timer(attrs, completed)
        elif kind == "CancelTimer":
            timer_id = attrs["timerId"]
            if timer_id in self._open_timers:
                self.add("TimerCanceled", timerId=timer_id, startedEventId=self._open_timers.pop(timer_id),
                         decisionTaskCompletedEventId=completed)
            else:
                self.add("CancelTimerFailed", timerId=timer_id, cause="TIMER_ID_UNKNOWN",
                         decisionTaskCompletedEventId=completed)
                self._trigger()
        elif kind == "RecordMarker":
            self.add("MarkerRecorded", markerName=attrs["markerName"], details=attrs.get("details", ""),
                     decisionTaskCompletedEventId=completed)
        else:
            raise AssertionError(f"the simulation does not apply {kind}")

    def _schedule(self, attrs: dict[str, Any], completed: int) -> None:
        activity_id = attrs["activityId"]
        cause = self.refuse_schedule.pop(activity_id, None)
        if cause is None and activity_id in self._open_activities:
            cause = "ACTIVITY_ID_ALREADY_IN_USE"
        if cause is not None:
            self.add("ScheduleActivityTaskFailed", activityType=attrs["activityType"], activityId=activity_id,
                     cause=cause, decisionTaskCompletedEventId=completed)
            self._trigger()
            return
        keys = ("activityType", "activityId", "input", "control", "scheduleToStartTimeout",
                "scheduleToCloseTimeout", "startToCloseTimeout", "heartbeatTimeout", "taskList")
        event_id = self.add("ActivityTaskScheduled", decisionTaskCompletedEventId=completed,
                            **{k: attrs[k] for k in keys if k in attrs})
        self._open_activities[activity_id] = {"scheduled": event_id, "started": 0}

    def _request_cancel(self, activity_id: str, completed: int) -> None:
        task = self._open_activities.get(activity_id)
        if task is None:
            self.add("RequestCancelActivityTaskFailed", activityId=activity_id, cause="ACTIVITY_ID_UNKNOWN",
                     decisionTaskCompletedEventId=completed)
            self._trigger()
            return
        requested = self.add("ActivityTaskCancelRequested", activityId=activity_id,
                             decisionTaskCompletedEventId=completed)
        if not task["started"]:
            self._close_activity(activity_id, "ActivityTaskCanceled", latestCancelRequestedEventId=requested)

    def _start_timer(self, attrs: dict[str, Any], completed: int) -> None:
        timer_id = attrs["timerId"]
        cause = self.refuse_timer.pop(timer_id, None)
        if cause is None and timer_id in self._open_timers:
            cause = "TIMER_ID_ALREADY_IN_USE"
        if cause is not None:
            self.add("StartTimerFailed", timerId=timer_id, cause=cause, decisionTaskCompletedEventId=completed)
            self._trigger()
            return
        extra = {"control": attrs["control"]} if "control" in attrs else {}
        self._open_timers[timer_id] = self.add("TimerStarted", timerId=timer_id, decisionTaskCompletedEventId=completed,
                                               startToFireTimeout=attrs["startToFireTimeout"], **extra)
        if attrs["startToFireTimeout"] == "0":
            self.fire_timer(timer_id)

    # activity workers and the clock

    def open_activities(self) -> list[str]:
        return list(self._open_activities)

    def open_timers(self) -> list[str]:
        return list(self._open_timers)

    def activity_started(self, activity_id: str) -> int:
        task = self._open_activities[activity_id]
        assert not task["started"], f"{activity_id} already started"
        task["started"] = self.add("ActivityTaskStarted", scheduledEventId=task["scheduled"], identity="worker@test")
        return task["started"]

    def activity_completed(self, activity_id: str, result: Any = None) -> int:
        self._ensure_started(activity_id)
        text = result if isinstance(result, str) or result is None else json.dumps(result)
        return self._close_activity(activity_id, "ActivityTaskCompleted", **({"result": text} if text else {}))

    def activity_failed(self, activity_id: str, reason: str = "failed", details: Any = None) -> int:
        self._ensure_started(activity_id)
        text = details if isinstance(details, str) or details is None else json.dumps(details)
        return self._close_activity(activity_id, "ActivityTaskFailed", reason=reason,
                                    **({"details": text} if text is not None else {}))

    def activity_timed_out(self, activity_id: str, timeout_type: str = "START_TO_CLOSE",
                           details: str | None = None) -> int:
        """details: the last heartbeat's details, as SWF reports them."""
        extra = {"details": details} if details is not None else {}
        return self._close_activity(activity_id, "ActivityTaskTimedOut", timeoutType=timeout_type, **extra)

    def activity_canceled(self, activity_id: str) -> int:
        self._ensure_started(activity_id)
        return self._close_activity(activity_id, "ActivityTaskCanceled")

    def fire_timer(self, timer_id: str) -> int:
        event_id = self.add("TimerFired", timerId=timer_id, startedEventId=self._open_timers.pop(timer_id))
        self._trigger()
        return event_id

    def _ensure_started(self, activity_id: str) -> None:
        if not self._open_activities[activity_id]["started"]:
            self.activity_started(activity_id)

    def _close_activity(self, activity_id: str, event_type: str, **attrs: Any) -> int:
        task = self._open_activities.pop(activity_id)
        event_id = self.add(event_type, scheduledEventId=task["scheduled"], startedEventId=task["started"], **attrs)
        self._trigger()
        return event_id
