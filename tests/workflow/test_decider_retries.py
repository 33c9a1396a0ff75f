"""Failure and timeout policy: retries, backoff timers, growing timeouts, final failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from viblio_pipeline.workflow import WorkflowSpec

if TYPE_CHECKING:
    from .conftest import Run


def at_previews(run: Callable[..., Run], spec: WorkflowSpec | None = None) -> Run:
    execution = run(with_spec=spec)
    execution.run_until("previews")
    return execution


def test_a_failure_starts_a_backoff_timer_instead_of_retrying_at_once(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.fail("previews-1")
    decisions = execution.decide()
    assert decisions.kinds == ["StartTimer"]
    timer = decisions.only("StartTimer")
    assert (timer["timerId"], timer["startToFireTimeout"]) == ("retry-previews-1", "5")


def test_the_next_attempt_is_scheduled_when_the_timer_fires(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.fail("previews-1")
    execution.decide()
    execution.history.fire_timer("retry-previews-1")
    decisions = execution.decide()
    assert decisions.scheduled_ids == ["previews-2"]
    assert json.loads(decisions.scheduled("previews-2")["control"])["attempt"] == 2


def test_backoff_grows_by_the_factor_between_retries(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.fail("previews-1")
    execution.decide()
    execution.history.fire_timer("retry-previews-1")
    execution.decide()
    execution.fail("previews-2")
    timer = execution.decide().only("StartTimer")
    assert (timer["timerId"], timer["startToFireTimeout"]) == ("retry-previews-2", "10")


def test_no_retry_in_details_makes_the_failure_final_at_once(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("transcode")
    execution.fail("transcode-1", retry=False, error="unsupported_codec", message="no decoder for 'xyz'")
    decisions = execution.decide()
    assert decisions.kinds == ["FailWorkflowExecution"]
    fail = decisions.only("FailWorkflowExecution")
    assert fail["reason"].startswith("stage transcode failed: failed, not retryable: unsupported_codec")
    details = json.loads(fail["details"])
    assert details["stage"] == "transcode" and details["error"] == "stage_failed"
    assert details["summary"]["transcode"]["status"] == "failed"
    assert details["summary"]["transcode"]["attempts"] == 1


def test_unreadable_failure_details_count_as_a_retryable_crash(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.history.activity_failed("previews-1", reason="Segmentation fault", details="core dumped {")
    assert execution.decide().kinds == ["StartTimer"]


def test_failures_beyond_retries_on_failure_are_final(run: Callable[..., Run],
                                                       make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(upload={"retries_on_failure": 1}))
    execution.decide()
    execution.fail("upload-1")
    execution.decide()
    execution.history.fire_timer("retry-upload-1")
    execution.decide()
    execution.fail("upload-2", message="disk full")
    fail = execution.decide().only("FailWorkflowExecution")
    assert "failed 2 times (retries_on_failure=1)" in fail["reason"]
    assert "disk full" in fail["reason"]


def test_the_fail_reason_fits_in_256_characters(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.fail("upload-1", retry=False, message="x" * 5000)
    fail = execution.decide().only("FailWorkflowExecution")
    assert len(fail["reason"]) <= 256
    assert len(fail["details"]) < 32768


def test_skip_dependents_skips_the_subtree_and_the_rest_completes(run: Callable[..., Run]) -> None:
    execution = run()
    execution.run_until("detect_faces")
    execution.fail("detect_faces-1", retry=False, error="no_frames")
    decisions = execution.decide()
    assert decisions == []  # previews still running; recognize_faces is skipped, nothing to schedule
    execution.complete("previews-1")
    decisions = execution.decide()
    # notify runs after a skipped branch (on_skipped_dependency: run) and is told what was skipped
    summary = json.loads(decisions.scheduled("notify-1")["input"])["summary"]
    assert summary["detect_faces"]["status"] == "skipped"
    assert "no_frames" in summary["detect_faces"]["reason"]
    assert summary["recognize_faces"]["status"] == "skipped"
    assert summary["recognize_faces"]["reason"] == "depends on detect_faces, which was skipped"
    assert summary["previews"]["status"] == "completed"
    execution.complete("notify-1")
    result = json.loads(execution.decide().only("CompleteWorkflowExecution")["result"])
    assert {n: s["status"] for n, s in result["stages"].items()} == {
        "upload": "completed", "transcode": "completed", "previews": "completed",
        "detect_faces": "skipped", "recognize_faces": "skipped", "notify": "completed"}


def test_skipping_is_transitive_when_dependents_do_not_run_after_skips(
        run: Callable[..., Run], make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(notify={"on_skipped_dependency": "skip"}))
    execution.run_until("detect_faces")
    execution.fail("detect_faces-1", retry=False)
    execution.complete("previews-1")
    result = json.loads(execution.decide().only("CompleteWorkflowExecution")["result"])
    assert result["stages"]["notify"] == {
        "status": "skipped", "attempts": 0, "reason": "depends on recognize_faces, which was skipped"}


def test_a_timeout_is_retried_at_once_with_doubled_timeouts(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.history.activity_timed_out("previews-1", "START_TO_CLOSE")
    retry = execution.decide().scheduled("previews-2")
    assert (retry["startToCloseTimeout"], retry["scheduleToStartTimeout"], retry["heartbeatTimeout"]) == (
        "1800", "7200", "240")


def test_timeouts_of_every_kind_grow_x1_x2_x4(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    execution.history.activity_timed_out("previews-1", "SCHEDULE_TO_START")
    execution.decide()
    execution.history.activity_timed_out("previews-2", "HEARTBEAT")
    third = execution.decide().scheduled("previews-3")
    assert third["startToCloseTimeout"] == "3600"  # 900 x 4
    assert json.loads(third["control"])["timeout_multiplier"] == 4.0


def test_timeouts_beyond_retries_on_timeout_are_final(run: Callable[..., Run]) -> None:
    execution = at_previews(run)
    for attempt in (1, 2):
        execution.history.activity_timed_out(f"previews-{attempt}", "SCHEDULE_TO_CLOSE")
        assert execution.decide().scheduled_ids == [f"previews-{attempt + 1}"]
    execution.history.activity_timed_out("previews-3", "SCHEDULE_TO_CLOSE")
    assert execution.decide() == []
    execution.complete("detect_faces-1")
    execution.decide()
    execution.complete("recognize_faces-1")
    summary = json.loads(execution.decide().scheduled("notify-1")["input"])["summary"]
    assert summary["previews"]["status"] == "skipped"
    assert summary["previews"]["attempts"] == 3
    assert summary["previews"]["reason"].startswith("timed out 3 times (retries_on_timeout=2)")


def test_failure_and_timeout_budgets_are_separate(run: Callable[..., Run],
                                                  make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(upload={"retries_on_failure": 1, "retries_on_timeout": 1}))
    execution.decide()
    execution.history.activity_timed_out("upload-1")
    assert execution.decide().scheduled_ids == ["upload-2"]
    execution.fail("upload-2")
    execution.decide()
    execution.history.fire_timer("retry-upload-1")
    assert execution.decide().scheduled_ids == ["upload-3"]
    execution.history.activity_timed_out("upload-3")
    fail = execution.decide().only("FailWorkflowExecution")
    assert "timed out 2 times (retries_on_timeout=1)" in fail["reason"]


def test_a_final_failure_cancels_other_open_work_before_failing(run: Callable[..., Run],
                                                                 make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(previews={"on_final_failure": "fail_workflow"}))
    execution.run_until("previews")
    execution.fail("previews-1", retry=False)
    decisions = execution.decide()
    assert decisions.kinds == ["RequestCancelActivityTask", "FailWorkflowExecution"]
    assert decisions.only("RequestCancelActivityTask") == {"activityId": "detect_faces-1"}


def test_a_final_timeout_reports_the_last_heartbeat_progress(run: Callable[..., Run],
                                                             make_spec: Callable[..., WorkflowSpec]) -> None:
    execution = run(with_spec=make_spec(upload={"retries_on_timeout": 0}))
    execution.decide()
    execution.history.activity_timed_out("upload-1", "HEARTBEAT", details='{"copied_mb": 120}')
    reason = execution.decide().only("FailWorkflowExecution")["reason"]
    assert reason == ('stage upload failed: timed out 1 times (retries_on_timeout=0); '
                      'last: timed out: HEARTBEAT (last heartbeat: {"copied_mb": 120})')


def test_an_activity_input_too_large_for_swf_is_a_final_failure(run: Callable[..., Run]) -> None:
    execution = run()
    execution.decide()
    execution.complete("upload-1", {"frames": "x" * 30000})
    fail = execution.decide().only("FailWorkflowExecution")
    assert fail["reason"].startswith("stage transcode failed: activity input would be 300")
    assert "pass large data by storage key" in json.loads(fail["details"])["message"]
