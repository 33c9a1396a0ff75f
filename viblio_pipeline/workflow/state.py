"""Replay: fold a full SWF history into the state of every stage.

Everything the decider knows comes from here, so a decision task that timed out
or a batch whose close decision failed is simply decided again from the fuller
history: open activities, pending retries and open timers are all visible, so
nothing is scheduled twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from viblio_pipeline.workflow.failure import clip, parse_failure_details
from viblio_pipeline.workflow.history import Event, attributes_key, event_time
from viblio_pipeline.workflow.ids import parse_activity_id, parse_retry_timer_id
from viblio_pipeline.workflow.spec import StagePolicy, WorkflowSpec

# After this many schedule attempts refused for rate/limit reasons or id clashes, give up.
MAX_SCHEDULE_REFUSALS = 20

CONFIG_CAUSES = {
    "ACTIVITY_TYPE_DOES_NOT_EXIST": "the activity type is not registered (run `viblio-pipeline register`)",
    "ACTIVITY_TYPE_DEPRECATED": "the activity type is deprecated (register the configured version)",
    "DEFAULT_TASK_LIST_UNDEFINED": "no task list given and the type has no default",
    "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED": "no schedule-to-start timeout and no type default",
    "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED": "no schedule-to-close timeout and no type default",
    "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED": "no start-to-close timeout and no type default",
    "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED": "no heartbeat timeout and no type default",
    "OPERATION_NOT_PERMITTED": "the decider's IAM policy does not allow scheduling this activity",
}
THROTTLE_CAUSES = ("OPEN_ACTIVITIES_LIMIT_EXCEEDED", "ACTIVITY_CREATION_RATE_EXCEEDED")
CLOSE_EVENTS = frozenset({
    "WorkflowExecutionCompleted", "WorkflowExecutionFailed", "WorkflowExecutionCanceled",
    "WorkflowExecutionTimedOut", "WorkflowExecutionTerminated", "WorkflowExecutionContinuedAsNew",
})
CLOSE_FAILED_EVENTS = frozenset({
    "CompleteWorkflowExecutionFailed", "FailWorkflowExecutionFailed",
    "CancelWorkflowExecutionFailed", "ContinueAsNewWorkflowExecutionFailed",
})
DECISION_TASK_EVENTS = frozenset({
    "DecisionTaskScheduled", "DecisionTaskStarted", "DecisionTaskCompleted", "DecisionTaskTimedOut",
})


@dataclass
class Attempt:
    """One scheduled activity task of a stage."""

    stage: str
    activity_id: str
    number: int
    scheduled_at: float
    started_at: float | None = None
    closed_at: float | None = None
    outcome: str | None = None  # completed | failed | timed_out | canceled
    result: str | None = None
    error: str | None = None


@dataclass
class PendingRetry:
    """The next attempt a stage owes: after a backoff timer, or at once."""

    cause: str
    needs_timer: bool
    backoff_step: int = 0
    timer_done: bool = False


@dataclass
class StageTrack:
    """Everything the history says about one stage."""

    policy: StagePolicy
    attempts: list[Attempt] = field(default_factory=list)
    open_attempt: Attempt | None = None
    highest_number: int = 0
    completed: Attempt | None = None
    final_error: str | None = None
    failures: int = 0
    timeouts: int = 0
    refusals: int = 0
    pending: PendingRetry | None = None
    open_timer: str | None = None
    timers_used: int = 0

    @property
    def settled(self) -> bool:
        return self.completed is not None or self.final_error is not None

    def give_up(self, error: str) -> None:
        self.final_error = clip(error, 1000)
        self.pending = None


@dataclass(frozen=True)
class Signal:
    event_id: int
    name: str
    input: str | None


@dataclass
class ExecutionState:
    """The whole execution as replayed from its history."""

    stages: dict[str, StageTrack]
    input: str | None = None
    started_at: float | None = None
    latest_at: float | None = None
    closed: str | None = None
    cancel_reason: str | None = None
    close_blocked: bool = False
    handled_up_to: int = 0
    signals: list[Signal] = field(default_factory=list)
    open_activities: dict[str, Attempt | None] = field(default_factory=dict)  # id -> ours or None
    open_timers: dict[str, str | None] = field(default_factory=dict)  # id -> stage or None
    cancel_sent: set[str] = field(default_factory=set)  # activity ids already asked to cancel
    timer_cancel_refused: set[str] = field(default_factory=set)
    event_count: int = 0

    def new_signals(self) -> list[Signal]:
        """Signals no completed decision task has answered yet."""
        return [s for s in self.signals if s.event_id > self.handled_up_to]

    @property
    def duration_ms(self) -> int | None:
        if self.started_at is None or self.latest_at is None:
            return None
        return round((self.latest_at - self.started_at) * 1000)


def replay(events: list[Event], spec: WorkflowSpec) -> ExecutionState:
    """Fold the full history (any order) into an ExecutionState."""
    folder = _Folder(spec)
    ordered = events if _is_sorted(events) else sorted(events, key=lambda e: e["eventId"])
    for event in ordered:
        folder.apply(event)
    if ordered:
        folder.state.latest_at = event_time(ordered[-1])
    return folder.state


def _is_sorted(events: list[Event]) -> bool:
    return all(events[i]["eventId"] < events[i + 1]["eventId"] for i in range(len(events) - 1))


class _Folder:
    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        self.state = ExecutionState(stages={p.name: StageTrack(p) for p in spec.stages})
        self.by_scheduled_id: dict[int, tuple[str, Attempt | None]] = {}
        self.handlers: dict[str, Callable[[dict[str, Any], Event], None]] = {
            "WorkflowExecutionStarted": self.on_started,
            "WorkflowExecutionCancelRequested": self.on_cancel_requested,
            "WorkflowExecutionSignaled": self.on_signaled,
            "DecisionTaskCompleted": self.on_decision_completed,
            "ActivityTaskScheduled": self.on_scheduled,
            "ScheduleActivityTaskFailed": self.on_schedule_failed,
            "ActivityTaskStarted": self.on_activity_started,
            "ActivityTaskCompleted": self.on_completed,
            "ActivityTaskFailed": self.on_failed,
            "ActivityTaskTimedOut": self.on_timed_out,
            "ActivityTaskCanceled": self.on_canceled,
            "ActivityTaskCancelRequested": self.on_cancel_activity_requested,
            "RequestCancelActivityTaskFailed": self.on_cancel_activity_requested,
            "CancelTimerFailed": self.on_cancel_timer_failed,
            "TimerStarted": self.on_timer_started,
            "StartTimerFailed": self.on_start_timer_failed,
            "TimerFired": self.on_timer_closed,
            "TimerCanceled": self.on_timer_closed,
        }

    def apply(self, event: Event) -> None:
        state = self.state
        event_type = event["eventType"]
        state.event_count += 1
        if event_type in CLOSE_EVENTS:
            state.closed = event_type
            return
        if event_type in CLOSE_FAILED_EVENTS:
            cause = event.get(attributes_key(event_type), {}).get("cause")
            state.close_blocked = cause == "OPERATION_NOT_PERMITTED"
            return
        if event_type not in DECISION_TASK_EVENTS:
            state.close_blocked = False
        handler = self.handlers.get(event_type)
        if handler is not None:
            handler(event.get(attributes_key(event_type)) or {}, event)

    # workflow-level events

    def on_started(self, attrs: dict[str, Any], event: Event) -> None:
        self.state.input = attrs.get("input")
        self.state.started_at = event_time(event)

    def on_cancel_requested(self, attrs: dict[str, Any], event: Event) -> None:
        if self.state.cancel_reason is None:
            cause = attrs.get("cause")
            self.state.cancel_reason = f"cancel requested ({cause})" if cause else "cancel requested"

    def on_signaled(self, attrs: dict[str, Any], event: Event) -> None:
        name = str(attrs.get("signalName", ""))
        signal_input = attrs.get("input")
        if name == "cancel":
            if self.state.cancel_reason is None:
                self.state.cancel_reason = f"cancelled by signal: {signal_input or 'no reason given'}"
            return
        self.state.signals.append(Signal(event["eventId"], name, signal_input))

    def on_decision_completed(self, attrs: dict[str, Any], event: Event) -> None:
        started = attrs.get("startedEventId")
        if isinstance(started, int) and started > self.state.handled_up_to:
            self.state.handled_up_to = started

    # activities

    def on_scheduled(self, attrs: dict[str, Any], event: Event) -> None:
        activity_id = str(attrs.get("activityId", ""))
        track = self._track(attrs)
        if track is None:
            self.by_scheduled_id[event["eventId"]] = (activity_id, None)
            self.state.open_activities[activity_id] = None
            return
        parsed = parse_activity_id(activity_id)
        number = parsed[1] if parsed else track.highest_number + 1
        attempt = Attempt(track.policy.name, activity_id, number, scheduled_at=event_time(event))
        track.highest_number = max(track.highest_number, number)
        track.attempts.append(attempt)
        track.open_attempt = attempt
        track.pending = None
        self.by_scheduled_id[event["eventId"]] = (activity_id, attempt)
        self.state.open_activities[activity_id] = attempt

    def on_schedule_failed(self, attrs: dict[str, Any], event: Event) -> None:
        track = self._track(attrs)
        if track is None:
            return
        parsed = parse_activity_id(str(attrs.get("activityId", "")))
        if parsed:
            track.highest_number = max(track.highest_number, parsed[1])
        if track.settled:
            return  # an extra (injected) attempt of a finished stage: nothing is owed
        cause = str(attrs.get("cause", "UNKNOWN"))
        if cause in CONFIG_CAUSES:
            track.give_up(f"cannot schedule {attrs.get('activityId')}: {cause}: {CONFIG_CAUSES[cause]} "
                          "(registration/config problem)")
            return
        track.refusals += 1
        if track.refusals > MAX_SCHEDULE_REFUSALS:
            track.give_up(f"scheduling refused {track.refusals} times, last: {cause}")
        elif cause == "ACTIVITY_ID_ALREADY_IN_USE":
            track.pending = PendingRetry(cause, needs_timer=False)
        else:  # throttling, limits, and any cause SWF adds later: wait, then try again
            track.pending = PendingRetry(cause, needs_timer=True, backoff_step=track.refusals - 1)

    def on_activity_started(self, attrs: dict[str, Any], event: Event) -> None:
        attempt = self._attempt(attrs)
        if attempt is not None:
            attempt.started_at = event_time(event)

    def on_completed(self, attrs: dict[str, Any], event: Event) -> None:
        attempt = self._close(attrs, event, "completed")
        if attempt is None:
            return
        attempt.result = attrs.get("result")
        track = self.state.stages[attempt.stage]
        track.completed = attempt
        track.final_error = None
        track.pending = None

    def on_failed(self, attrs: dict[str, Any], event: Event) -> None:
        attempt = self._close(attrs, event, "failed")
        if attempt is None:
            return
        details = parse_failure_details(attrs.get("details"), attrs.get("reason"))
        attempt.error = clip(f"{details.error}: {details.message}", 500)
        self._after_failure(self.state.stages[attempt.stage], attempt.error, details.retry)

    def on_canceled(self, attrs: dict[str, Any], event: Event) -> None:
        attempt = self._close(attrs, event, "canceled")
        if attempt is None or self.state.cancel_reason is not None:
            return
        attempt.error = "canceled: the activity gave up without being asked to"
        self._after_failure(self.state.stages[attempt.stage], attempt.error, True)

    def _after_failure(self, track: StageTrack, error: str, retry: bool) -> None:
        if track.settled:
            return
        policy = track.policy
        if not retry:
            track.give_up(f"failed, not retryable: {error}")
            return
        track.failures += 1
        if track.failures > policy.retries_on_failure:
            track.give_up(f"failed {track.failures} times (retries_on_failure={policy.retries_on_failure}); "
                          f"last: {error}")
        else:
            track.pending = PendingRetry("failure", needs_timer=True, backoff_step=track.failures - 1)

    def on_timed_out(self, attrs: dict[str, Any], event: Event) -> None:
        attempt = self._close(attrs, event, "timed_out")
        if attempt is None:
            return
        kind = str(attrs.get("timeoutType", "UNKNOWN"))
        progress = attrs.get("details")
        attempt.error = f"timed out: {kind}" + (f" (last heartbeat: {clip(progress, 200)})" if progress else "")
        track = self.state.stages[attempt.stage]
        if track.settled:
            return
        track.timeouts += 1
        policy = track.policy
        if track.timeouts > policy.retries_on_timeout:
            track.give_up(f"timed out {track.timeouts} times (retries_on_timeout={policy.retries_on_timeout}); "
                          f"last: {attempt.error}")
        else:
            track.pending = PendingRetry(f"timeout {kind}", needs_timer=False)

    def on_cancel_activity_requested(self, attrs: dict[str, Any], event: Event) -> None:
        # Asked (or refused: ACTIVITY_ID_UNKNOWN means it already closed): never ask twice.
        activity_id = str(attrs.get("activityId", ""))
        if activity_id in self.state.open_activities:
            self.state.cancel_sent.add(activity_id)

    # timers

    def on_timer_started(self, attrs: dict[str, Any], event: Event) -> None:
        timer_id = str(attrs.get("timerId", ""))
        track = self._timer_track(timer_id)
        self.state.open_timers[timer_id] = track.policy.name if track else None
        if track is not None:
            track.open_timer = timer_id
            track.timers_used += 1

    def on_start_timer_failed(self, attrs: dict[str, Any], event: Event) -> None:
        track = self._timer_track(str(attrs.get("timerId", "")))
        if track is None:
            return
        track.timers_used += 1
        # A clash gets a fresh id next time; any other refusal skips the backoff.
        if attrs.get("cause") != "TIMER_ID_ALREADY_IN_USE" and track.pending is not None:
            track.pending.timer_done = True

    def on_cancel_timer_failed(self, attrs: dict[str, Any], event: Event) -> None:
        timer_id = str(attrs.get("timerId", ""))
        if timer_id in self.state.open_timers:
            self.state.timer_cancel_refused.add(timer_id)

    def on_timer_closed(self, attrs: dict[str, Any], event: Event) -> None:
        timer_id = str(attrs.get("timerId", ""))
        self.state.open_timers.pop(timer_id, None)
        track = self._timer_track(timer_id)
        if track is not None and track.open_timer == timer_id:
            track.open_timer = None
            if track.pending is not None:
                track.pending.timer_done = True

    # lookups

    def _track(self, attrs: dict[str, Any]) -> StageTrack | None:
        activity_type = attrs.get("activityType") or {}
        return self.state.stages.get(str(activity_type.get("name", "")))

    def _timer_track(self, timer_id: str) -> StageTrack | None:
        parsed = parse_retry_timer_id(timer_id)
        return self.state.stages.get(parsed[0]) if parsed else None

    def _attempt(self, attrs: dict[str, Any]) -> Attempt | None:
        found = self.by_scheduled_id.get(attrs.get("scheduledEventId", -1))
        return found[1] if found else None

    def _close(self, attrs: dict[str, Any], event: Event, outcome: str) -> Attempt | None:
        found = self.by_scheduled_id.get(attrs.get("scheduledEventId", -1))
        if found is None:
            return None
        activity_id, attempt = found
        self.state.open_activities.pop(activity_id, None)
        self.state.cancel_sent.discard(activity_id)
        if attempt is None or attempt.outcome is not None:
            return None
        attempt.closed_at = event_time(event)
        attempt.outcome = outcome
        track = self.state.stages[attempt.stage]
        if track.open_attempt is attempt:
            track.open_attempt = None
        return attempt
