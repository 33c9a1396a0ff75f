"""The DAG runs by replay: scheduling, parallel branches, inputs, the result."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from viblio_pipeline.workflow import WorkflowSpec, decide

if TYPE_CHECKING:
    from .conftest import Run


def test_first_decision_schedules_upload_on_the_popeye_hosts_task_list(run: Callable[..., Run]) -> None:
    decisions = run().decide()
    assert decisions.scheduled_ids == ["upload-1"]
    upload = decisions.scheduled("upload-1")
    assert upload["taskList"] == {"name": "upload-local-popeye-1"}
    assert upload["activityType"] == {"name": "upload", "version": "1.0.0"}
    assert (upload["scheduleToStartTimeout"], upload["startToCloseTimeout"],
            upload["scheduleToCloseTimeout"], upload["heartbeatTimeout"]) == ("600", "1800", "3600", "120")


def test_a_stage_waits_for_its_dependencies(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.history.activity_started("upload-1")
    assert execution.peek() == []  # started is not completed: nothing new to do


def test_parallel_branches_are_scheduled_together(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("transcode")
    execution.complete("transcode-1")
    assert execution.decide().scheduled_ids == ["previews-1", "detect_faces-1"]


def test_notify_waits_for_both_branches(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("detect_faces")
    execution.complete("detect_faces-1")
    assert execution.decide().scheduled_ids == ["recognize_faces-1"]
    execution.complete("recognize_faces-1")
    assert execution.decide() == []  # previews still running
    execution.complete("previews-1")
    assert execution.decide().scheduled_ids == ["notify-1"]


def test_activity_input_is_workflow_input_plus_upstream_results_and_summary(run: Callable[..., Run]) -> None:
    execution = run({"media_uuid": "m-9", "user_uuid": "u-9", "popeye_host": "p1", "title": "Beach"})
    execution.decide()
    execution.complete("upload-1", {"original_key": "u-9/m-9/original.mov"})
    execution.decide()
    execution.complete("transcode-1", {"renditions": {"360p": "k360"}})
    payload = json.loads(execution.decide().scheduled("previews-1")["input"])
    assert payload["media_uuid"] == "m-9" and payload["title"] == "Beach"
    assert payload["results"] == {"upload": {"original_key": "u-9/m-9/original.mov"},
                                  "transcode": {"renditions": {"360p": "k360"}}}
    assert payload["summary"]["transcode"]["status"] == "completed"
    assert payload["summary"]["previews"]["status"] == "running"
    assert payload["summary"]["notify"]["status"] == "pending"


def test_a_result_that_is_not_json_is_passed_as_text(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.complete("upload-1", "plain words")
    payload = json.loads(execution.decide().scheduled("transcode-1")["input"])
    assert payload["results"]["upload"] == "plain words"


def test_manual_runs_give_recognize_faces_its_manual_timeouts(run: Callable[..., Run]) -> None:
    execution = run({"media_uuid": "m", "user_uuid": "u", "popeye_host": "p", "manual": True})
    execution.run_until("recognize_faces")
    recognize = [e for e in execution.events if e["eventType"] == "ActivityTaskScheduled"][-1]
    attrs = recognize["activityTaskScheduledEventAttributes"]
    assert attrs["activityId"] == "recognize_faces-1"
    assert (attrs["startToCloseTimeout"], attrs["heartbeatTimeout"]) == ("129600", "NONE")


def test_workflow_completes_with_a_summary_of_every_stage(run: Callable[..., Run]) -> None:
    execution = run()
    history = execution.history
    for _ in range(10):
        decisions = execution.decide()
        if "CompleteWorkflowExecution" in decisions.kinds:
            break
        for activity in history.open_activities():
            history.advance(2).activity_started(activity)
            history.advance(3)
            execution.complete(activity)
    result = json.loads(decisions.only("CompleteWorkflowExecution")["result"])
    assert result["status"] == "completed" and result["media_uuid"] == "m-1"
    assert set(result["stages"]) == {"upload", "transcode", "previews", "detect_faces", "recognize_faces", "notify"}
    upload = result["stages"]["upload"]
    assert upload == {"status": "completed", "attempts": 1, "duration_ms": 5000, "run_ms": 3000}
    assert result["duration_ms"] > 0
    assert history.closed


def test_same_history_gives_same_decisions(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("detect_faces")
    execution.complete("previews-1")
    execution.history.start_decision()
    assert execution.peek() == execution.peek()


def test_datetime_timestamps_give_the_same_decisions_as_epoch_numbers(run: Callable[..., Run],
                                                                      spec: WorkflowSpec) -> None:
    execution = run()
    execution.run_until("previews")
    execution.complete("previews-1")
    as_datetimes = [{**e, "eventTimestamp": datetime.fromtimestamp(e["eventTimestamp"], UTC)}
                    for e in execution.events]
    assert decide(as_datetimes, spec) == decide(execution.events, spec)


def test_events_out_of_order_are_replayed_in_event_id_order(run: Callable[..., Run], spec: WorkflowSpec) -> None:
    execution = run()
    execution.run_until("transcode")
    assert decide(list(reversed(execution.events)), spec) == decide(execution.events, spec)
