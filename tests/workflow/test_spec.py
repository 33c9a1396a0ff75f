"""WorkflowSpec.from_settings against the shipped conf/."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from viblio_pipeline.config import load_config
from viblio_pipeline.config.schema import ActivityTimeouts
from viblio_pipeline.workflow import InvalidWorkflowInput, WorkflowSpec, parse_workflow_input


def spec_for(env: str) -> WorkflowSpec:
    return WorkflowSpec.from_settings(load_config(env, environ={}, require_secrets=False).settings)


def test_stages_come_in_dependency_order_with_the_default_dag(spec: WorkflowSpec) -> None:
    assert spec.stage_names == ("upload", "transcode", "previews", "detect_faces", "recognize_faces", "notify")
    assert spec.stage("notify").depends_on == ("previews", "recognize_faces")


def test_activity_type_is_stage_name_and_configured_version(spec: WorkflowSpec) -> None:
    assert spec.stage("transcode").activity_type == {"name": "transcode", "version": "1.0.0"}


@pytest.mark.parametrize("env, suffix", [("local", "-local"), ("staging", "-staging"), ("prod", "-prod")])
def test_task_lists_carry_the_environment_suffix(env: str, suffix: str) -> None:
    spec = spec_for(env)
    wf_input = parse_workflow_input('{"media_uuid": "m", "user_uuid": "u", "popeye_host": "popeye-2"}')
    assert spec.decider_task_list == "decider" + suffix
    assert spec.stage("transcode").task_list_for(wf_input) == "transcode" + suffix
    assert spec.stage("upload").task_list_for(wf_input) == f"upload{suffix}-popeye-2"


def test_per_host_stage_without_popeye_host_is_invalid_input(spec: WorkflowSpec) -> None:
    wf_input = parse_workflow_input('{"media_uuid": "m", "user_uuid": "u"}')
    with pytest.raises(InvalidWorkflowInput, match="popeye_host is required: stage 'upload'"):
        spec.check_input(wf_input)


def test_workflow_type_and_timeouts_are_swf_strings(spec: WorkflowSpec) -> None:
    assert (spec.name, spec.version) == ("VideoProcessing", "1.0.0")
    assert spec.execution_start_to_close_timeout == "86400"
    assert spec.task_start_to_close_timeout == "60"
    assert spec.child_policy == "TERMINATE"


def test_manual_timeouts_apply_only_to_manual_runs(spec: WorkflowSpec) -> None:
    recognize = spec.stage("recognize_faces")
    assert recognize.timeouts_for(manual=True, timeouts_so_far=0).swf_attributes() == {
        "scheduleToStartTimeout": "3600", "startToCloseTimeout": "129600",
        "scheduleToCloseTimeout": "133200", "heartbeatTimeout": "NONE"}
    assert recognize.timeouts_for(manual=False, timeouts_so_far=0).start_to_close == 1800
    # stages without manual timeouts keep their own
    assert spec.stage("transcode").timeouts_for(manual=True, timeouts_so_far=0).start_to_close == 3600


def test_timeouts_grow_by_the_multipliers_and_reuse_the_last(spec: WorkflowSpec) -> None:
    transcode = spec.stage("transcode")
    grown = [transcode.timeouts_for(False, n).start_to_close for n in range(5)]
    assert grown == [3600, 7200, 14400, 14400, 14400]


def test_none_timeouts_stay_none_when_scaled(make_spec: Callable[..., WorkflowSpec]) -> None:
    spec = make_spec(previews={"timeouts": ActivityTimeouts(heartbeat="NONE")})
    assert spec.stage("previews").timeouts_for(False, 2).swf_attributes()["heartbeatTimeout"] == "NONE"


def test_backoff_grows_by_factor_and_is_capped(spec: WorkflowSpec) -> None:
    notify = spec.stage("notify")  # initial 10, factor 2, max 600
    assert [notify.backoff_seconds(k) for k in range(8)] == [10, 20, 40, 80, 160, 320, 600, 600]
    assert notify.backoff_seconds(10_000) == 600


def test_dependents_are_transitive(spec: WorkflowSpec) -> None:
    assert spec.dependents_of("detect_faces") == ("recognize_faces", "notify")
    assert spec.dependents_of("transcode") == ("previews", "detect_faces", "recognize_faces", "notify")
    assert spec.dependents_of("notify") == ()
    assert spec.ancestors_of("recognize_faces") == ("upload", "transcode", "detect_faces")


def test_spec_is_frozen(spec: WorkflowSpec) -> None:
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]


def test_unknown_stage_lookup_names_the_known_ones(spec: WorkflowSpec) -> None:
    with pytest.raises(KeyError, match="known: upload, transcode"):
        spec.stage("thumbnail")
