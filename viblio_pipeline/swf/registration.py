"""Idempotent registration of the SWF domain and types from config.

Only the defaults that config gives are set. A type registered earlier with
other defaults cannot be changed in SWF: that is reported as a conflict that
needs a new version, never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from viblio_pipeline.config import Settings
from viblio_pipeline.swf.client import SwfClient, error_code


@dataclass
class RegistrationReport:
    done: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _seconds(value: int | str) -> str:
    return str(value)


def workflow_defaults(settings: Settings) -> dict[str, Any]:
    workflow = settings.swf.workflow
    return {
        "defaultTaskList": {"name": settings.decider_task_list},
        "defaultExecutionStartToCloseTimeout": _seconds(workflow.execution_start_to_close),
        "defaultTaskStartToCloseTimeout": _seconds(workflow.task_start_to_close),
        "defaultChildPolicy": workflow.child_policy,
    }


def activity_defaults(settings: Settings, stage: str) -> dict[str, Any]:
    """The defaults registered for a stage's activity type.

    A per-host stage (upload) gets no default task list: the decider always
    names the Popeye host's list.
    """
    spec = settings.stages[stage]
    defaults: dict[str, Any] = {
        "defaultTaskScheduleToStartTimeout": _seconds(spec.timeouts.schedule_to_start),
        "defaultTaskStartToCloseTimeout": _seconds(spec.timeouts.start_to_close),
        "defaultTaskScheduleToCloseTimeout": _seconds(spec.timeouts.schedule_to_close),
        "defaultTaskHeartbeatTimeout": _seconds(spec.timeouts.heartbeat),
    }
    if not spec.per_host_task_list:
        defaults["defaultTaskList"] = {"name": settings.stage_task_list(stage)}
    return defaults


def differences(registered: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Human-readable 'key: registered X, config Y' for every differing default."""
    found = []
    for key, value in wanted.items():
        have = registered.get(key)
        if have != value:
            found.append(f"{key}: registered {_show(have)}, config {_show(value)}")
    return found


def _show(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"name"}:
        return repr(value["name"])
    return "unset" if value is None else repr(value)


def register_all(client: SwfClient, settings: Settings) -> RegistrationReport:
    report = RegistrationReport()
    _register_domain(client, settings, report)
    workflow = settings.swf.workflow
    _register_type(
        client, settings.swf.domain, "workflow", workflow.name, workflow.version,
        workflow_defaults(settings), report,
    )
    for stage, spec in settings.stages.items():
        _register_type(client, settings.swf.domain, "activity", stage, spec.version,
                       activity_defaults(settings, stage), report)
    return report


def _register_domain(client: SwfClient, settings: Settings, report: RegistrationReport) -> None:
    domain = settings.swf.domain
    retention = str(settings.swf.retention_days)
    try:
        client.register_domain(name=domain, workflowExecutionRetentionPeriodInDays=retention,
                               description="viblio-pipeline video processing")
        report.done.append(f"domain {domain} registered (retention {retention} days)")
        return
    except Exception as exc:
        if error_code(exc) != "DomainAlreadyExistsFault":
            raise
    info = client.describe_domain(name=domain)
    have = info["configuration"]["workflowExecutionRetentionPeriodInDays"]
    status = info["domainInfo"]["status"]
    if status != "REGISTERED":
        report.conflicts.append(f"domain {domain} is {status}: undeprecate it or choose another domain")
    elif have != retention:
        report.conflicts.append(
            f"domain {domain}: retention is {have} days, config says {retention} "
            "(SWF cannot change it; use another domain or align swf.retention_days)")
    else:
        report.unchanged.append(f"domain {domain} (retention {have} days)")


def _register_type(client: SwfClient, domain: str, kind: str, name: str, version: str,
                   defaults: dict[str, Any], report: RegistrationReport) -> None:
    label = f"{kind} type {name} {version}"
    register = client.register_workflow_type if kind == "workflow" else client.register_activity_type
    try:
        register(domain=domain, name=name, version=version, **defaults)
        report.done.append(f"{label} registered")
        return
    except Exception as exc:
        if error_code(exc) != "TypeAlreadyExistsFault":
            raise
    if kind == "workflow":
        info = client.describe_workflow_type(domain=domain, workflowType={"name": name, "version": version})
        status = info["typeInfo"]["status"]
    else:
        info = client.describe_activity_type(domain=domain, activityType={"name": name, "version": version})
        status = info["typeInfo"]["status"]
    diffs = differences(info["configuration"], defaults)
    if status != "REGISTERED":
        report.conflicts.append(f"{label} is {status}: register a new version")
    elif diffs:
        report.conflicts.append(
            f"{label} is registered with other defaults ({'; '.join(diffs)}): "
            "registered types cannot change, bump the version in config")
    else:
        report.unchanged.append(label)
