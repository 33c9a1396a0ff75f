"""What registration sets and how a changed default is reported."""

from __future__ import annotations

from pathlib import Path

from viblio_pipeline.config import load_config
from viblio_pipeline.swf.registration import activity_defaults, differences, workflow_defaults

REPO = Path(__file__).resolve().parents[2]
SETTINGS = load_config("local", REPO / "conf", environ={}).settings


def test_activity_defaults_come_from_the_stage_config() -> None:
    assert activity_defaults(SETTINGS, "transcode") == {
        "defaultTaskList": {"name": "transcode-local"},
        "defaultTaskScheduleToStartTimeout": "3600",
        "defaultTaskStartToCloseTimeout": "3600",
        "defaultTaskScheduleToCloseTimeout": "7200",
        "defaultTaskHeartbeatTimeout": "120",
    }


def test_per_host_stage_registers_no_default_task_list() -> None:
    assert "defaultTaskList" not in activity_defaults(SETTINGS, "upload")


def test_workflow_defaults_name_the_decider_task_list() -> None:
    assert workflow_defaults(SETTINGS)["defaultTaskList"] == {"name": "decider-local"}
    assert workflow_defaults(SETTINGS)["defaultChildPolicy"] == "TERMINATE"


def test_differences_name_each_changed_default() -> None:
    registered = {"defaultTaskList": {"name": "old"}, "defaultTaskHeartbeatTimeout": "120"}
    wanted = {"defaultTaskList": {"name": "new"}, "defaultTaskHeartbeatTimeout": "120"}
    assert differences(registered, wanted) == ["defaultTaskList: registered 'old', config 'new'"]


def test_no_differences_when_registration_matches() -> None:
    wanted = activity_defaults(SETTINGS, "notify")
    assert differences(dict(wanted), wanted) == []
