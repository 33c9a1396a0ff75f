"""The VideoProcessing decider: full history in, decisions out, nothing else.

No I/O and no clock: time comes from event timestamps. Everything owed is
re-derived from the history on every call (level-triggered), so a decision task
that timed out, a close decision refused with UNHANDLED_DECISION, or a decider
killed half way is simply decided again, and nothing already in the history is
repeated. Only signals are edge-triggered: a signal is answered by the first
decision task completed after it (events up to its startedEventId were seen).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from viblio_pipeline.workflow.decisions import (
    Decision,
    cancel_timer,
    cancel_workflow,
    complete_workflow,
    fail_workflow,
    record_marker,
    request_cancel_activity,
    schedule_activity,
    start_timer,
    to_json,
)
from viblio_pipeline.workflow.failure import MAX_DATA, clip
from viblio_pipeline.workflow.history import Event, HistoryError
from viblio_pipeline.workflow.ids import activity_id, retry_timer_id
from viblio_pipeline.workflow.input import InvalidWorkflowInput, WorkflowInput, parse_workflow_input
from viblio_pipeline.workflow.spec import StagePolicy, WorkflowSpec
from viblio_pipeline.workflow.state import ExecutionState, Signal, replay
from viblio_pipeline.workflow.summary import Summary, bounded_json, stage_summary

KNOWN_SIGNALS = ("cancel", "inject")
# Room kept for the summary the decider adds to an activity input.
INPUT_HEADROOM = 4096


@dataclass(frozen=True)
class Schedule:
    injected_by: int | None = None  # signal event id


@dataclass(frozen=True)
class Backoff:
    timer_id: str
    seconds: int
    cause: str


@dataclass(frozen=True)
class StageView:
    """A stage's status in this decision and what, if anything, to do about it."""

    status: str  # completed | running | retrying | pending | failed | skipped
    reason: str | None = None
    action: Schedule | Backoff | None = None


def decide(events: list[Event], spec: WorkflowSpec) -> list[Decision]:
    """The decisions owed by the execution whose full history is events.

    Raises HistoryError only for a history that cannot be the whole of one
    (no WorkflowExecutionStarted); everything else gets decisions.
    """
    state = replay(events, spec)
    if state.closed is not None or state.close_blocked:
        return []
    if state.started_at is None:
        # Deciding on part of a history could fail a healthy workflow; let the task time out instead.
        raise HistoryError("the history has no WorkflowExecutionStarted event: pass the full history (every page)")
    try:
        workflow_input = parse_workflow_input(state.input)
        spec.check_input(workflow_input)
    except InvalidWorkflowInput as exc:
        details = to_json({"error": "invalid_input", "message": str(exc)})
        return [*wind_down(state), fail_workflow(f"invalid workflow input: {exc}", details)]

    if state.cancel_reason is not None:
        views = _as_left(evaluate(state, spec, workflow_input, {}))
        details = bounded_json({"reason": state.cancel_reason, "summary": summarise(state, views)})
        return [*wind_down(state), cancel_workflow(details)]

    injections, markers = read_signals(state, spec)
    views = evaluate(state, spec, workflow_input, injections)
    summary = summarise(state, views)

    fatal = next((name for name, view in views.items() if view.status == "failed"), None)
    if fatal is not None:
        reason = f"stage {fatal} failed: {views[fatal].reason}"
        details = bounded_json({"error": "stage_failed", "stage": fatal, "message": views[fatal].reason,
                                "summary": summarise(state, _as_left(views))})
        return [*markers, *wind_down(state), fail_workflow(reason, details)]

    if all(view.status in ("completed", "skipped") for view in views.values()):
        result = bounded_json({"status": "completed", "media_uuid": workflow_input.media_uuid,
                               "user_uuid": workflow_input.user_uuid, "duration_ms": state.duration_ms,
                               "stages": summary}, summary_key="stages")
        return [*markers, *wind_down(state), complete_workflow(result)]

    return [*markers, *act(state, spec, workflow_input, views, summary)]


def evaluate(state: ExecutionState, spec: WorkflowSpec, workflow_input: WorkflowInput,
             injections: dict[str, Signal]) -> dict[str, StageView]:
    """Every stage's view, dependencies first."""
    views: dict[str, StageView] = {}
    for policy in spec.stages:
        view = _stage_view(policy, state, views, injections.get(policy.name))
        if isinstance(view.action, Schedule):
            too_big = _oversized_input(state, spec, workflow_input, policy.name)
            if too_big:
                view = StageView("failed" if policy.on_final_failure == "fail_workflow" else "skipped", too_big)
        views[policy.name] = view
    return views


def _stage_view(policy: StagePolicy, state: ExecutionState, views: dict[str, StageView],
                injection: Signal | None) -> StageView:
    track = state.stages[policy.name]
    blocking = ("failed",) if policy.runs_after_skipped else ("skipped", "failed")
    if injection is not None:
        return StageView("running", "injected by signal", Schedule(injection.event_id))
    if track.open_attempt is not None:
        return StageView("running")
    if track.completed is not None:
        return StageView("completed")
    if track.final_error is not None:
        return StageView("failed" if policy.on_final_failure == "fail_workflow" else "skipped", track.final_error)
    blocked = [d for d in policy.depends_on if views[d].status in blocking]
    if blocked:
        return StageView("skipped", f"depends on {blocked[0]}, which was {views[blocked[0]].status}")
    pending = track.pending
    if pending is not None and pending.needs_timer and not pending.timer_done:
        if track.open_timer is not None:
            return StageView("retrying", f"{pending.cause}: waiting for timer {track.open_timer}")
        timer = Backoff(retry_timer_id(policy.name, track.timers_used + 1),
                        policy.backoff_seconds(pending.backoff_step), pending.cause)
        return StageView("retrying", f"{pending.cause}: backing off {timer.seconds}s", timer)
    if pending is not None:
        return StageView("running", pending.cause, Schedule())
    if all(state.stages[d].completed or views[d].status == "skipped" for d in policy.depends_on):
        return StageView("running", None, Schedule())
    return StageView("pending")


def _as_left(views: dict[str, StageView]) -> dict[str, StageView]:
    """The views as they stand if nothing new is scheduled (the workflow is closing)."""
    return {name: StageView("pending") if isinstance(view.action, Schedule) else view
            for name, view in views.items()}


def act(state: ExecutionState, spec: WorkflowSpec, workflow_input: WorkflowInput,
        views: dict[str, StageView], summary: Summary) -> list[Decision]:
    decisions: list[Decision] = []
    for name, view in views.items():
        policy = spec.stage(name)
        track = state.stages[name]
        if isinstance(view.action, Backoff):
            decisions.append(start_timer(view.action.timer_id, view.action.seconds, {
                "stage": name, "next_attempt": track.highest_number + 1, "cause": view.action.cause}))
        elif isinstance(view.action, Schedule):
            if track.open_timer is not None:
                decisions.append(cancel_timer(track.open_timer))
            number = track.highest_number + 1
            payload = _activity_payload(state, spec, workflow_input, name)
            control: dict[str, Any] = {"stage": name, "attempt": number,
                                       "timeout_multiplier": policy.multiplier_after(track.timeouts)}
            if view.action.injected_by is not None:
                control["injected_by_signal"] = view.action.injected_by
            elif view.reason:
                control["after"] = view.reason
            decisions.append(schedule_activity(
                policy.activity_type, activity_id(name, number), policy.task_list_for(workflow_input),
                policy.timeouts_for(workflow_input.manual, track.timeouts).swf_attributes(),
                bounded_json({**payload, "summary": summary}), control))
    return decisions


def wind_down(state: ExecutionState) -> list[Decision]:
    """Before closing: ask open activities to stop and cancel open timers (each only once)."""
    decisions = [request_cancel_activity(aid) for aid in state.open_activities if aid not in state.cancel_sent]
    decisions += [cancel_timer(tid) for tid in state.open_timers if tid not in state.timer_cancel_refused]
    return decisions


def read_signals(state: ExecutionState, spec: WorkflowSpec) -> tuple[dict[str, Signal], list[Decision]]:
    """Injections to make now, and markers for the signals that are refused or unknown."""
    injections: dict[str, Signal] = {}
    markers: list[Decision] = []
    for signal in state.new_signals():
        if signal.name != "inject":
            markers.append(record_marker("signal-ignored", {
                "signal": signal.name, "signal_event_id": signal.event_id,
                "reason": f"unknown signal (known: {', '.join(KNOWN_SIGNALS)})"}))
            continue
        stage, problem = _inject_target(signal, spec)
        if stage is not None and problem is None:
            running = state.stages[stage].open_attempt
            if running is not None:
                problem = f"stage {stage!r} is already running as {running.activity_id}"
            elif stage in injections:
                problem = f"stage {stage!r} is already injected by signal event {injections[stage].event_id}"
        if stage is None or problem is not None:
            markers.append(record_marker("inject-rejected", {
                "signal_event_id": signal.event_id, "input": clip(signal.input or "", 200),
                "reason": problem}))
        else:
            injections[stage] = signal
    return injections, markers


def _inject_target(signal: Signal, spec: WorkflowSpec) -> tuple[str | None, str | None]:
    try:
        data = json.loads(signal.input or "")
    except ValueError:
        return None, 'inject input must be JSON like {"stage": "transcode"}'
    stage = data.get("stage") if isinstance(data, dict) else None
    if not isinstance(stage, str):
        return None, 'inject input must be a JSON object with a "stage" string'
    if not spec.has_stage(stage):
        return None, f"unknown stage {stage!r} (known: {', '.join(spec.stage_names)})"
    return stage, None


def summarise(state: ExecutionState, views: dict[str, StageView]) -> Summary:
    return {name: stage_summary(state.stages[name], view.status,
                                view.reason if view.status in ("failed", "skipped", "retrying") else None)
            for name, view in views.items()}


def _activity_payload(state: ExecutionState, spec: WorkflowSpec, workflow_input: WorkflowInput,
                      stage: str) -> dict[str, Any]:
    """The workflow input plus the results of every completed stage this one depends on."""
    results: dict[str, Any] = {}
    for ancestor in spec.ancestors_of(stage):
        completed = state.stages[ancestor].completed
        if completed is not None:
            results[ancestor] = _parse_result(completed.result)
    return {**workflow_input.payload(), "results": results}


def _parse_result(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _oversized_input(state: ExecutionState, spec: WorkflowSpec, workflow_input: WorkflowInput,
                     stage: str) -> str | None:
    size = len(to_json(_activity_payload(state, spec, workflow_input, stage)))
    if size <= MAX_DATA - INPUT_HEADROOM:
        return None
    return (f"activity input would be {size} characters (SWF allows {MAX_DATA}): "
            "upstream results must pass large data by storage key")
