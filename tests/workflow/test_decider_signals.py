"""Operator signals (cancel, inject), cancel requests and invalid input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .conftest import Run


def test_cancel_request_cancels_open_work_then_the_workflow(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("previews")
    history = execution.history
    history.activity_started("previews-1")  # detect_faces-1 stays unstarted
    execution.fail("detect_faces-1")
    execution.decide()  # retry-detect_faces-1 timer
    history.request_cancel()
    decisions = execution.decide()
    assert decisions.kinds == ["RequestCancelActivityTask", "CancelTimer", "CancelWorkflowExecution"]
    assert decisions.only("RequestCancelActivityTask") == {"activityId": "previews-1"}
    assert decisions.only("CancelTimer") == {"timerId": "retry-detect_faces-1"}
    details = json.loads(decisions.only("CancelWorkflowExecution")["details"])
    assert details["reason"] == "cancel requested"
    assert details["summary"]["transcode"]["status"] == "completed"
    assert history.closed


def test_cancel_signal_uses_its_input_as_the_reason(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.signal("cancel", "duplicate upload, user deleted it")
    decisions = execution.decide()
    assert decisions.kinds == ["RequestCancelActivityTask", "CancelWorkflowExecution"]
    details = json.loads(decisions.only("CancelWorkflowExecution")["details"])
    assert details["reason"] == "cancelled by signal: duplicate upload, user deleted it"


def test_inject_runs_a_completed_stage_again_as_an_extra_attempt(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("notify")
    execution.complete("notify-1")
    history = execution.history
    history.start_decision()
    closing = execution.peek()
    signal_id = history.signal("inject", {"stage": "transcode"})
    history.complete_decision(closing)  # the close is refused: a signal came in
    decisions = execution.decide()
    assert decisions.scheduled_ids == ["transcode-2"]
    assert json.loads(decisions.scheduled("transcode-2")["control"])["injected_by_signal"] == signal_id
    execution.complete("transcode-2", {"again": True})
    result = json.loads(execution.decide().only("CompleteWorkflowExecution")["result"])
    assert result["stages"]["transcode"]["attempts"] == 2


def test_inject_a_stage_waiting_for_its_dependencies_runs_it_now(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.signal("inject", {"stage": "detect_faces"})
    assert execution.decide().scheduled_ids == ["detect_faces-1"]


def test_inject_during_a_backoff_cancels_the_timer_and_runs_now(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1")
    execution.decide()
    execution.history.signal("inject", {"stage": "upload"})
    decisions = execution.decide()
    assert decisions.kinds == ["CancelTimer", "ScheduleActivityTask"]
    assert decisions.scheduled_ids == ["upload-2"]


def test_inject_rescues_a_skipped_branch(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("detect_faces")
    execution.fail("detect_faces-1", retry=False)
    execution.decide()
    execution.history.signal("inject", {"stage": "detect_faces"})
    assert execution.decide().scheduled_ids == ["detect_faces-2"]
    execution.complete("detect_faces-2")
    assert execution.decide().scheduled_ids == ["recognize_faces-1"]


def test_an_extra_attempt_that_fails_leaves_the_completed_stage_completed(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.complete("upload-1")
    execution.decide()
    execution.history.signal("inject", {"stage": "upload"})
    execution.decide()
    execution.fail("upload-2", retry=False)
    assert execution.decide() == []  # transcode-1 still running; no retry, no failure


def test_inject_of_an_unknown_stage_is_recorded_not_crashed_on(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    signal_id = execution.history.signal("inject", {"stage": "thumbnails"})
    decisions = execution.decide()
    marker = decisions.only("RecordMarker")
    assert marker["markerName"] == "inject-rejected"
    details = json.loads(marker["details"])
    assert details["signal_event_id"] == signal_id
    assert details["reason"].startswith("unknown stage 'thumbnails' (known: upload, transcode")
    execution.complete("upload-1")
    assert execution.decide().kinds == ["ScheduleActivityTask"]  # the marker is not repeated


def test_inject_with_unreadable_input_is_rejected(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.signal("inject", "transcode please")
    reason = json.loads(execution.decide().only("RecordMarker")["details"])["reason"]
    assert reason == 'inject input must be JSON like {"stage": "transcode"}'


def test_inject_of_a_running_stage_is_rejected(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.signal("inject", {"stage": "upload"})
    decisions = execution.decide()
    assert decisions.scheduled_ids == []
    assert json.loads(decisions.only("RecordMarker")["details"])["reason"] == (
        "stage 'upload' is already running as upload-1")


def test_two_injects_of_one_stage_in_one_decision_schedule_it_once(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.complete("upload-1")
    execution.history.signal("inject", {"stage": "previews"})
    execution.history.signal("inject", {"stage": "previews"})
    decisions = execution.decide()
    assert decisions.scheduled_ids == ["transcode-1", "previews-1"]
    assert "already injected" in json.loads(decisions.only("RecordMarker")["details"])["reason"]


def test_unknown_signals_are_ignored_with_a_marker_once(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.signal("reticulate", "splines")
    marker = execution.decide().only("RecordMarker")
    assert marker["markerName"] == "signal-ignored"
    assert json.loads(marker["details"])["signal"] == "reticulate"
    execution.complete("upload-1")
    assert execution.decide().kinds == ["ScheduleActivityTask"]


def test_invalid_workflow_input_fails_the_workflow_with_the_reason(run: Callable[..., Run]) -> None:
    execution = run('{"media_uuid": "m"}')
    fail = execution.decide().only("FailWorkflowExecution")
    assert fail["reason"] == "invalid workflow input: user_uuid is required (a non-empty string)"
    assert json.loads(fail["details"])["error"] == "invalid_input"


def test_missing_popeye_host_fails_the_workflow_at_once(run: Callable[..., Run]) -> None:
    execution = run({"media_uuid": "m", "user_uuid": "u"})
    fail = execution.decide().only("FailWorkflowExecution")
    assert fail["reason"].startswith("invalid workflow input: popeye_host is required: stage 'upload'")
