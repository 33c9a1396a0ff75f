"""Killing the decider at any moment loses nothing and repeats nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from viblio_pipeline.workflow import HistoryError, WorkflowSpec, decide, load_history

if TYPE_CHECKING:
    from .conftest import Run

HISTORIES = Path(__file__).parent / "histories"


def seed_events(popeye_host: str | None = None) -> list[dict[str, Any]]:
    events = load_history((HISTORIES / "seed_decision_timeout.json").read_text())
    if popeye_host:
        attrs = events[0]["workflowExecutionStartedEventAttributes"]
        attrs["input"] = json.dumps({**json.loads(attrs["input"]), "popeye_host": popeye_host})
    return events


def test_the_seed_history_loads_the_same_from_json_and_from_the_pprint_dump() -> None:
    from_dump = load_history((HISTORIES / "seed_decision_timeout.pprint.txt").read_text())
    assert from_dump == seed_events()
    assert [e["eventType"] for e in from_dump][3:6] == [
        "DecisionTaskTimedOut", "DecisionTaskScheduled", "DecisionTaskStarted"]


def test_a_closed_execution_needs_no_decisions(spec: WorkflowSpec) -> None:
    assert decide(seed_events(), spec) == []


def test_the_redelivered_decision_task_gets_the_same_answer_as_the_timed_out_one(spec: WorkflowSpec) -> None:
    events = seed_events(popeye_host="popeye-1")
    first_try, redelivered = decide(events[:3], spec), decide(events[:6], spec)
    assert first_try == redelivered
    assert [d["scheduleActivityTaskDecisionAttributes"]["activityId"] for d in redelivered] == ["upload-1"]


def test_the_seed_input_lacks_popeye_host_so_the_workflow_fails_clearly(spec: WorkflowSpec) -> None:
    (decision,) = decide(seed_events()[:6], spec)
    assert decision["decisionType"] == "FailWorkflowExecution"
    assert "popeye_host is required" in decision["failWorkflowExecutionDecisionAttributes"]["reason"]


def test_activities_of_unknown_types_do_not_confuse_the_decider(spec: WorkflowSpec) -> None:
    events = seed_events(popeye_host="popeye-1")[:12]  # a foreign "Upload" activity completed
    (decision,) = decide(events, spec)
    assert decision["scheduleActivityTaskDecisionAttributes"]["activityId"] == "upload-1"


def test_a_decider_killed_mid_task_is_answered_in_full_on_redelivery(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("transcode")
    execution.complete("transcode-1")
    history = execution.history
    history.start_decision()
    history.time_out_decision()  # killed before responding: nothing was applied
    assert execution.decide().scheduled_ids == ["previews-1", "detect_faces-1"]


def test_a_timed_out_task_after_a_completed_batch_repeats_nothing(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("previews")
    execution.complete("previews-1")
    history = execution.history
    history.start_decision()
    history.time_out_decision()
    assert execution.decide() == []  # detect_faces-1 is still open; previews is done


def test_a_half_applied_batch_only_redoes_the_refused_part(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("transcode")
    execution.complete("transcode-1")
    execution.history.refuse_schedule["detect_faces-1"] = "ACTIVITY_CREATION_RATE_EXCEEDED"
    assert execution.decide().scheduled_ids == ["previews-1", "detect_faces-1"]
    decisions = execution.decide()
    assert decisions.kinds == ["StartTimer"]
    assert decisions.only("StartTimer")["timerId"] == "retry-detect_faces-1"


def test_no_prefix_of_a_rough_run_schedules_an_open_or_finished_attempt_again(
        run: Callable[..., Run], spec: WorkflowSpec) -> None:
    execution = run()
    history = execution.history
    script: dict[str, Callable[[str], None]] = {
        "upload-1": lambda a: execution.fail(a),
        "transcode-1": lambda a: history.activity_timed_out(a, "HEARTBEAT"),
        "detect_faces-1": lambda a: execution.fail(a, retry=False),
    }
    for _ in range(30):
        if history.closed:
            break
        execution.decide()
        for timer in history.open_timers():
            history.advance(10).fire_timer(timer)
        for activity in history.open_activities():
            history.advance(5)
            script.get(activity, execution.complete)(activity)
    assert history.closed
    result = json.loads(history.events[-1]["workflowExecutionCompletedEventAttributes"]["result"])
    assert {name: stage["attempts"] for name, stage in result["stages"].items()} == {
        "upload": 2, "transcode": 2, "previews": 1, "detect_faces": 1, "recognize_faces": 0, "notify": 1}
    # Replay every decision point of the finished history as if the decider had just been restarted.
    events = history.events
    for cut, event in enumerate(events):
        if event["eventType"] != "DecisionTaskStarted":
            continue
        prefix = events[: cut + 1]
        already = {e["activityTaskScheduledEventAttributes"]["activityId"] for e in prefix
                   if e["eventType"] == "ActivityTaskScheduled"}
        open_timers = {e["timerStartedEventAttributes"]["timerId"] for e in prefix if e["eventType"] == "TimerStarted"}
        for decision in decide(prefix, spec):
            if decision["decisionType"] == "ScheduleActivityTask":
                assert decision["scheduleActivityTaskDecisionAttributes"]["activityId"] not in already
            if decision["decisionType"] == "StartTimer":
                assert decision["startTimerDecisionAttributes"]["timerId"] not in open_timers


def test_a_partial_history_is_refused_rather_than_decided(run: Callable[..., Run], spec: WorkflowSpec) -> None:
    execution = run()
    execution.run_until("transcode")
    with pytest.raises(HistoryError, match="no WorkflowExecutionStarted event: pass the full history"):
        decide(execution.events[5:], spec)


def test_events_the_workflow_does_not_use_are_ignored(run: Callable[..., Run], spec: WorkflowSpec) -> None:
    execution = run()
    execution.decide()
    execution.history.add("ScheduleLambdaFunctionFailed", id="l1", name="f",
                          cause="LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION", decisionTaskCompletedEventId=4)
    execution.complete("upload-1")
    assert execution.decide().scheduled_ids == ["transcode-1"]
