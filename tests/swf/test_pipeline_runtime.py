"""The runtime on the embedded SWF service: real decider and worker processes, stub handlers."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)

STAGES = ("upload", "transcode", "previews", "detect_faces", "recognize_faces", "notify")


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["eventType"] == event_type]


def scheduled_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["activityTaskScheduledEventAttributes"]["activityId"] for e in of_type(events, "ActivityTaskScheduled")]


def stage_status(result: dict[str, Any]) -> dict[str, str]:
    return {name: info["status"] for name, info in result["stages"].items()}


def test_happy_path_runs_every_stage_once_and_completes(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers()
    execution = pipeline.start()
    info = pipeline.wait_closed(execution)
    assert info["closeStatus"] == "COMPLETED"
    events = pipeline.history(execution)
    assert sorted(scheduled_ids(events)) == sorted(f"{s}-1" for s in STAGES)
    assert set(stage_status(pipeline.result(events)).values()) == {"completed"}
    notify_input = json.loads((pipeline.marks / "notify-1.started").read_text())
    assert sorted(notify_input["results"]) == sorted(set(STAGES) - {"notify"})  # every upstream stage


def test_failed_attempt_is_retried_after_backoff_then_succeeds(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"1": "fail_retry"}})
    execution = pipeline.start()
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    events = pipeline.history(execution)
    assert [i for i in scheduled_ids(events) if i.startswith("transcode")] == ["transcode-1", "transcode-2"]
    assert of_type(events, "TimerFired"), "the retry waited on a backoff timer"


def test_final_failure_under_fail_workflow_fails_the_workflow(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"*": "fail_final"}})
    execution = pipeline.start()
    assert pipeline.wait_closed(execution)["closeStatus"] == "FAILED"
    events = pipeline.history(execution)
    assert [i for i in scheduled_ids(events) if i.startswith("transcode")] == ["transcode-1"]
    failed = of_type(events, "WorkflowExecutionFailed")[0]["workflowExecutionFailedEventAttributes"]
    assert "transcode" in failed["reason"]


def test_final_failure_under_skip_dependents_skips_the_branch_and_completes(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"detect_faces": {"*": "fail_final"}})
    execution = pipeline.start()
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    stages = pipeline.result(pipeline.history(execution))["stages"]
    assert stages["detect_faces"]["status"] == "skipped" and "cannot succeed" in stages["detect_faces"]["reason"]
    assert stages["recognize_faces"]["status"] == "skipped"
    assert stages["previews"]["status"] == "completed"
    assert stages["notify"]["status"] == "completed"  # it runs after a skipped branch to report the rest


def test_worker_killed_mid_task_times_out_on_heartbeat_and_is_retried(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"1": "sleep:30"}}, alone=("transcode",))
    execution = pipeline.start()
    pipeline.wait_for_mark("transcode-1.started")
    pipeline.procs["transcode"].send_signal(signal.SIGKILL)
    pipeline.worker("transcode", {"1": "sleep:30"}, name="transcode-replacement")
    assert pipeline.wait_closed(execution, seconds=90)["closeStatus"] == "COMPLETED"
    events = pipeline.history(execution)
    timeouts = of_type(events, "ActivityTaskTimedOut")
    assert [t["activityTaskTimedOutEventAttributes"]["timeoutType"] for t in timeouts] == ["HEARTBEAT"]
    assert [i for i in scheduled_ids(events) if i.startswith("transcode")] == ["transcode-1", "transcode-2"]


def test_decider_killed_mid_decision_loses_nothing(pipeline: Any) -> None:
    pipeline.register()
    pipeline.workers()
    execution = pipeline.start()
    # A decider that takes the first decision task and dies before answering.
    first = pipeline.client.poll_for_decision_task(domain=pipeline.domain, taskList={"name": "decider-local"},
                                                   identity="doomed-decider")
    assert first["taskToken"]
    pipeline.decider()
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    assert of_type(pipeline.history(execution), "DecisionTaskTimedOut")


def test_sigterm_during_a_task_finishes_it_without_retry(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"*": "sleep:2"}}, alone=("transcode",))
    execution = pipeline.start()
    pipeline.wait_for_mark("transcode-1.started")
    worker = pipeline.procs["transcode"]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert (pipeline.marks / "transcode-1.finished").exists()
    pipeline.worker("transcode", name="transcode-after")
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    assert [i for i in scheduled_ids(pipeline.history(execution)) if i.startswith("transcode")] == ["transcode-1"]


def test_second_sigterm_fails_the_task_as_retryable(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"1": "sleep:30"}}, alone=("transcode",))
    execution = pipeline.start()
    pipeline.wait_for_mark("transcode-1.started")
    worker = pipeline.procs["transcode"]
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 1
    pipeline.worker("transcode", name="transcode-after")
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    events = pipeline.history(execution)
    details = json.loads(of_type(events, "ActivityTaskFailed")[0]["activityTaskFailedEventAttributes"]["details"])
    assert details == {"retry": True, "error": "worker_stopped", "message": "the worker was stopped mid-task"}


def test_workflow_timeout_makes_the_late_answer_harmless(pipeline: Any) -> None:
    pipeline.set(VIBLIO__SWF__WORKFLOW__EXECUTION_START_TO_CLOSE="4",
                 VIBLIO__STAGES__TRANSCODE__TIMEOUTS__HEARTBEAT="NONE",
                 VIBLIO__STAGES__TRANSCODE__HEARTBEAT_INTERVAL="60")
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"*": "sleep:6"}}, alone=("transcode",))
    execution = pipeline.start()
    assert pipeline.wait_closed(execution)["closeStatus"] == "TIMED_OUT"
    pipeline.wait_for_mark("transcode-1.finished", seconds=15)
    time.sleep(0.5)
    worker = pipeline.procs["transcode"]
    assert worker.poll() is None, "the worker survived the late answer"
    assert "no longer knows" in (pipeline.logs / "transcode.log").read_text()


def test_second_start_of_an_open_media_says_already_running(pipeline: Any) -> None:
    pipeline.register()
    execution = pipeline.start(media_uuid="m-twice")
    again = pipeline.cli("start", "--media-uuid", "m-twice", "--user-uuid", "user-1")
    assert again.returncode != 0 and "already running" in again.stderr
    assert execution["workflowId"] in again.stderr


def test_register_twice_is_a_no_op(pipeline: Any) -> None:
    pipeline.register()
    again = pipeline.cli("register")
    assert again.returncode == 0
    assert "registered:" not in again.stdout and "unchanged: domain" in again.stdout


def test_register_reports_changed_defaults_as_a_conflict(pipeline: Any) -> None:
    pipeline.register()
    pipeline.set(VIBLIO__STAGES__NOTIFY__TIMEOUTS__START_TO_CLOSE="999")
    again = pipeline.cli("register")
    assert again.returncode == 3
    assert "activity type notify 1.0.0" in again.stderr and "bump the version" in again.stderr
