"""Operator commands against a live pipeline: status, history, inject, signal cancel."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)


def scheduled_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["activityTaskScheduledEventAttributes"]["activityId"] for e in events
            if e["eventType"] == "ActivityTaskScheduled"]


def test_status_lists_the_open_execution_and_the_backlog(pipeline: Any) -> None:
    pipeline.register()
    execution = pipeline.start()  # no decider yet: the decision task waits in its task list
    result = pipeline.cli("status")
    assert result.returncode == 0, result.stderr
    assert "open executions in" in result.stdout and execution["workflowId"] in result.stdout
    backlog = dict(line.split() for line in result.stdout.split("pending tasks per task list:\n")[1].splitlines())
    assert backlog["decider-local"] == "1" and backlog["transcode-local"] == "0"


def test_history_prints_a_timeline_and_json_for_replay(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers()
    execution = pipeline.start()
    pipeline.wait_closed(execution)
    timeline = pipeline.cli("history", execution["workflowId"])
    assert timeline.returncode == 0, timeline.stderr
    lines = timeline.stdout.splitlines()
    assert "WorkflowExecutionStarted" in lines[1] and "WorkflowExecutionCompleted" in lines[-1]
    saved = pipeline.workdir / "history.json"
    dumped = pipeline.cli("history", execution["workflowId"], "--json")
    saved.write_text(dumped.stdout)
    replayed = pipeline.cli("replay", str(saved))
    assert replayed.returncode == 0, replayed.stderr


def test_inject_runs_a_finished_stage_again_inside_the_running_workflow(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"*": "sleep:4"}})
    execution = pipeline.start()
    pipeline.wait_for_mark("transcode-1.started")
    injected = pipeline.cli("inject", execution["workflowId"], "upload")
    assert injected.returncode == 0, injected.stderr
    assert pipeline.wait_closed(execution)["closeStatus"] == "COMPLETED"
    assert [i for i in scheduled_ids(pipeline.history(execution)) if i.startswith("upload")] == ["upload-1", "upload-2"]


def test_inject_of_an_unknown_stage_is_refused_before_signalling(pipeline: Any) -> None:
    pipeline.register()
    execution = pipeline.start()
    refused = pipeline.cli("inject", execution["workflowId"], "nonsense")
    assert refused.returncode != 0 and "unknown stage 'nonsense'" in refused.stderr


def test_cancel_signal_cancels_the_workflow(pipeline: Any) -> None:
    pipeline.register()
    pipeline.decider()
    pipeline.workers({"transcode": {"*": "sleep:30"}})
    execution = pipeline.start()
    pipeline.wait_for_mark("transcode-1.started")
    signalled = pipeline.cli("signal", execution["workflowId"], "cancel", "--input", "operator said so")
    assert signalled.returncode == 0, signalled.stderr
    assert pipeline.wait_closed(execution)["closeStatus"] == "CANCELED"


def test_terminate_closes_the_workflow_at_once(pipeline: Any) -> None:
    pipeline.register()
    execution = pipeline.start()
    result = pipeline.cli("terminate", execution["workflowId"], "--reason", "test over")
    assert result.returncode == 0, result.stderr
    assert pipeline.wait_closed(execution)["closeStatus"] == "TERMINATED"
