"""Every failed decision SWF can report is answered; none leaves the workflow hanging."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from viblio_pipeline.workflow import WorkflowSpec
from viblio_pipeline.workflow.state import MAX_SCHEDULE_REFUSALS

if TYPE_CHECKING:
    from .conftest import Run


def test_activity_id_in_use_schedules_under_the_next_free_id(run: Callable[..., Run]) -> None:
    execution = run()
    execution.history.refuse_schedule["upload-1"] = "ACTIVITY_ID_ALREADY_IN_USE"
    execution.decide()
    assert "ScheduleActivityTaskFailed" in [e["eventType"] for e in execution.events]
    assert execution.decide().scheduled_ids == ["upload-2"]


@pytest.mark.parametrize("cause", [
    "ACTIVITY_TYPE_DOES_NOT_EXIST", "ACTIVITY_TYPE_DEPRECATED", "DEFAULT_TASK_LIST_UNDEFINED",
    "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED", "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED",
    "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED", "OPERATION_NOT_PERMITTED",
])
def test_registration_and_config_causes_are_a_final_failure(run: Callable[..., Run], cause: str) -> None:
    execution = run()
    execution.history.refuse_schedule["upload-1"] = cause
    execution.decide()
    fail = execution.decide().only("FailWorkflowExecution")
    assert f"cannot schedule upload-1: {cause}" in fail["reason"]
    assert "registration/config problem" in json.loads(fail["details"])["message"]


@pytest.mark.parametrize("cause", ["OPEN_ACTIVITIES_LIMIT_EXCEEDED", "ACTIVITY_CREATION_RATE_EXCEEDED"])
def test_limits_and_rates_retry_after_a_backoff_timer(run: Callable[..., Run], cause: str) -> None:
    execution = run()
    execution.history.refuse_schedule["upload-1"] = cause
    execution.decide()
    timer = execution.decide().only("StartTimer")
    assert (timer["timerId"], timer["startToFireTimeout"]) == ("retry-upload-1", "5")
    assert json.loads(timer["control"])["cause"] == cause
    execution.history.fire_timer("retry-upload-1")
    assert execution.decide().scheduled_ids == ["upload-2"]


def test_throttling_does_not_use_up_the_failure_retries(run: Callable[..., Run],
                                                        make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(upload={"retries_on_failure": 0}))
    execution.history.refuse_schedule["upload-1"] = "ACTIVITY_CREATION_RATE_EXCEEDED"
    execution.decide()
    execution.decide()
    execution.history.fire_timer("retry-upload-1")
    assert execution.decide().scheduled_ids == ["upload-2"]


def test_endless_refusals_end_in_a_final_failure(run: Callable[..., Run]) -> None:
    execution = run()
    for number in range(1, MAX_SCHEDULE_REFUSALS + 2):
        execution.history.refuse_schedule[f"upload-{number}"] = "ACTIVITY_ID_ALREADY_IN_USE"
    for _ in range(MAX_SCHEDULE_REFUSALS + 1):
        execution.decide()
    fail = execution.decide().only("FailWorkflowExecution")
    assert f"scheduling refused {MAX_SCHEDULE_REFUSALS + 1} times" in fail["reason"]


def test_timer_id_in_use_starts_the_timer_under_a_fresh_id(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1")
    execution.history.refuse_timer["retry-upload-1"] = "TIMER_ID_ALREADY_IN_USE"
    execution.decide()
    assert execution.decide().only("StartTimer")["timerId"] == "retry-upload-2"


@pytest.mark.parametrize("cause", ["OPEN_TIMERS_LIMIT_EXCEEDED", "TIMER_CREATION_RATE_EXCEEDED",
                                   "OPERATION_NOT_PERMITTED"])
def test_a_timer_that_cannot_start_skips_the_backoff(run: Callable[..., Run], cause: str) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1")
    execution.history.refuse_timer["retry-upload-1"] = cause
    execution.decide()
    assert execution.decide().scheduled_ids == ["upload-2"]


def test_an_activity_canceled_on_its_own_is_retried_like_a_failure(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.activity_canceled("upload-1")
    assert execution.decide().only("StartTimer")["timerId"] == "retry-upload-1"


def test_unhandled_decision_on_complete_decides_again_from_the_fuller_history(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("notify")
    execution.complete("notify-1")
    history = execution.history
    history.start_decision()
    decisions = execution.peek()
    assert decisions.kinds == ["CompleteWorkflowExecution"]
    history.signal("hello")  # arrives while the decider works: the close is refused
    history.complete_decision(decisions)
    assert "CompleteWorkflowExecutionFailed" in [e["eventType"] for e in execution.events]
    again = execution.decide()
    assert again.kinds == ["RecordMarker", "CompleteWorkflowExecution"]
    assert history.closed


def test_unhandled_decision_on_cancel_does_not_repeat_the_activity_cancellation(
        run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    history = execution.history
    history.activity_started("upload-1")
    history.request_cancel()
    history.start_decision()
    decisions = execution.peek()
    assert decisions.kinds == ["RequestCancelActivityTask", "CancelWorkflowExecution"]
    history.signal("late")
    history.complete_decision(decisions)
    assert "CancelWorkflowExecutionFailed" in [e["eventType"] for e in execution.events]
    assert execution.decide().kinds == ["CancelWorkflowExecution"]
    assert history.closed


def test_a_close_refused_as_not_permitted_waits_for_a_new_event(run: Callable[..., Run]) -> None:
    execution = run({"media_uuid": "m"})  # invalid: the decider fails the workflow
    execution.history.refuse_close = "OPERATION_NOT_PERMITTED"
    assert execution.decide().kinds == ["FailWorkflowExecution"]
    assert execution.decide() == []  # repeating it would loop decision tasks forever
    execution.history.refuse_close = None  # the operator fixed the IAM policy...
    execution.history.signal("nudge")  # ...and woke the workflow up
    assert "FailWorkflowExecution" in execution.decide().kinds
    assert execution.history.closed


def test_request_cancel_refused_is_not_repeated(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    history = execution.history
    history.activity_started("upload-1")
    history.request_cancel()
    history.start_decision()
    history.complete_decision([])
    history.decision_failed("RequestCancelActivityTaskFailed", activityId="upload-1", cause="OPERATION_NOT_PERMITTED")
    assert execution.decide().kinds == ["CancelWorkflowExecution"]


def test_cancel_timer_refused_is_not_repeated(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1")
    execution.decide()  # retry-upload-1 started
    history = execution.history
    history.request_cancel()
    history.start_decision()
    history.complete_decision([])
    history.decision_failed("CancelTimerFailed", timerId="retry-upload-1", cause="OPERATION_NOT_PERMITTED")
    assert execution.decide().kinds == ["CancelWorkflowExecution"]


def test_cancel_timer_of_a_timer_that_already_fired_does_not_stop_the_stage(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1")
    execution.decide()
    history = execution.history
    history.fire_timer("retry-upload-1")
    history.start_decision()
    history.complete_decision([])  # a decider that answered nothing (e.g. an old version)
    history.decision_failed("CancelTimerFailed", timerId="retry-upload-1", cause="TIMER_ID_UNKNOWN")
    assert execution.decide().scheduled_ids == ["upload-2"]
