"""The workflow as data: the DAG and each stage's policy, frozen from config.

The decider reads only this (never Settings), so a replay needs nothing but a
spec and a history, and every SWF string (task list, timeouts) is fixed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from viblio_pipeline.workflow.input import InvalidWorkflowInput, WorkflowInput

if TYPE_CHECKING:
    from collections.abc import Mapping

    from viblio_pipeline.config.schema import ActivityTimeouts, Settings

# Stands in for the host in a per-host task list until the workflow input names it.
HOST_MARK = "{popeye_host}"
NONE = "NONE"


@dataclass(frozen=True)
class Timeouts:
    """SWF's four activity timeouts in seconds; None is SWF's "NONE" (unlimited)."""

    schedule_to_start: int | None
    start_to_close: int | None
    schedule_to_close: int | None
    heartbeat: int | None

    @classmethod
    def from_config(cls, config: ActivityTimeouts) -> Timeouts:
        def seconds(value: int | str) -> int | None:
            return None if value == NONE else int(value)

        return cls(seconds(config.schedule_to_start), seconds(config.start_to_close),
                   seconds(config.schedule_to_close), seconds(config.heartbeat))

    def scaled(self, multiplier: float) -> Timeouts:
        def scale(value: int | None) -> int | None:
            return None if value is None else max(1, math.ceil(value * multiplier))

        return Timeouts(scale(self.schedule_to_start), scale(self.start_to_close),
                        scale(self.schedule_to_close), scale(self.heartbeat))

    def swf_attributes(self) -> dict[str, str]:
        """The ScheduleActivityTask keys, as SWF's duration strings."""

        def text(value: int | None) -> str:
            return NONE if value is None else str(value)

        return {
            "scheduleToStartTimeout": text(self.schedule_to_start),
            "startToCloseTimeout": text(self.start_to_close),
            "scheduleToCloseTimeout": text(self.schedule_to_close),
            "heartbeatTimeout": text(self.heartbeat),
        }


@dataclass(frozen=True)
class StagePolicy:
    """One DAG node: its activity type, where it runs, and how it is retried."""

    name: str
    version: str
    task_list: str  # contains HOST_MARK when per_host
    per_host: bool
    depends_on: tuple[str, ...]
    timeouts: Timeouts
    manual_timeouts: Timeouts | None
    heartbeat_interval: float
    retries_on_failure: int
    retries_on_timeout: int
    timeout_multipliers: tuple[float, ...]
    backoff_initial: int
    backoff_factor: float
    backoff_max: int
    on_final_failure: str  # "fail_workflow" | "skip_dependents"
    runs_after_skipped: bool = False  # on_skipped_dependency: run

    @property
    def activity_type(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}

    def task_list_for(self, workflow_input: WorkflowInput) -> str:
        if not self.per_host:
            return self.task_list
        if not workflow_input.popeye_host:
            raise InvalidWorkflowInput(self.missing_host_message())
        return self.task_list.replace(HOST_MARK, workflow_input.popeye_host)

    def missing_host_message(self) -> str:
        return (f"popeye_host is required: stage {self.name!r} runs on a per-host task list "
                "(the Popeye host that holds the file)")

    def timeouts_for(self, manual: bool, timeouts_so_far: int) -> Timeouts:
        """The timeouts of the next attempt: manual ones if asked, grown after timeouts."""
        base = self.manual_timeouts if manual and self.manual_timeouts is not None else self.timeouts
        index = min(timeouts_so_far, len(self.timeout_multipliers) - 1)
        return base.scaled(self.timeout_multipliers[index])

    def multiplier_after(self, timeouts_so_far: int) -> float:
        return self.timeout_multipliers[min(timeouts_so_far, len(self.timeout_multipliers) - 1)]

    def backoff_seconds(self, step: int) -> int:
        """initial * factor**step, capped at max; step 0 is the first retry."""
        delay = float(self.backoff_initial)
        for _ in range(step):
            delay *= self.backoff_factor
            if delay >= self.backoff_max:
                break
        return int(min(delay, self.backoff_max))


@dataclass(frozen=True)
class WorkflowSpec:
    """The VideoProcessing workflow of one environment; stages in dependency order."""

    name: str
    version: str
    decider_task_list: str
    execution_start_to_close_timeout: str
    task_start_to_close_timeout: str
    child_policy: str
    stages: tuple[StagePolicy, ...]
    _index: Mapping[str, StagePolicy] = field(init=False, repr=False, compare=False)
    _dependents: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {stage.name: stage for stage in self.stages}
        if len(index) != len(self.stages):
            raise ValueError("stage names must be unique")
        for stage in self.stages:
            for dep in stage.depends_on:
                if dep not in index:
                    raise ValueError(f"stage {stage.name!r} depends on unknown stage {dep!r}")
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "_dependents", MappingProxyType(
            {stage.name: _transitive_dependents(stage.name, self.stages) for stage in self.stages}))

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkflowSpec:
        workflow = settings.swf.workflow
        stages = []
        for name in _dependency_order({n: s.depends_on for n, s in settings.stages.items()}):
            config = settings.stages[name]
            stages.append(StagePolicy(
                name=name,
                version=config.version,
                task_list=settings.stage_task_list(name, HOST_MARK if config.per_host_task_list else None),
                per_host=config.per_host_task_list,
                depends_on=tuple(config.depends_on),
                timeouts=Timeouts.from_config(config.timeouts),
                manual_timeouts=(Timeouts.from_config(config.manual_timeouts)
                                 if config.manual_timeouts is not None else None),
                heartbeat_interval=config.heartbeat_interval,
                retries_on_failure=config.retries_on_failure,
                retries_on_timeout=config.retries_on_timeout,
                timeout_multipliers=tuple(config.timeout_multipliers),
                backoff_initial=config.backoff.initial,
                backoff_factor=config.backoff.factor,
                backoff_max=config.backoff.max,
                on_final_failure=config.on_final_failure,
                runs_after_skipped=config.on_skipped_dependency == "run",
            ))
        return cls(
            name=workflow.name,
            version=workflow.version,
            decider_task_list=settings.decider_task_list,
            execution_start_to_close_timeout=str(workflow.execution_start_to_close),
            task_start_to_close_timeout=str(workflow.task_start_to_close),
            child_policy=workflow.child_policy,
            stages=tuple(stages),
        )

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages)

    def stage(self, name: str) -> StagePolicy:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"unknown stage {name!r} (known: {', '.join(self.stage_names)})") from None

    def has_stage(self, name: str) -> bool:
        return name in self._index

    def dependents_of(self, name: str) -> tuple[str, ...]:
        """Every stage that depends on name, directly or not."""
        return self._dependents[name]

    def ancestors_of(self, name: str) -> tuple[str, ...]:
        """Every stage name depends on, directly or not, in dependency order."""
        return tuple(stage.name for stage in self.stages if name in self._dependents[stage.name])

    def check_input(self, workflow_input: WorkflowInput) -> None:
        """Raise InvalidWorkflowInput if some stage could not be scheduled from it."""
        for stage in self.stages:
            if stage.per_host and not workflow_input.popeye_host:
                raise InvalidWorkflowInput(stage.missing_host_message())


def _dependency_order(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """Config order, except that a stage always comes after its dependencies."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for dep in graph[node]:
            visit(dep)
        order.append(node)

    for node in graph:
        visit(node)
    return order


def _transitive_dependents(name: str, stages: tuple[StagePolicy, ...]) -> tuple[str, ...]:
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for stage in stages:
            if stage.name not in found and (name in stage.depends_on or found & set(stage.depends_on)):
                found.add(stage.name)
                changed = True
    return tuple(stage.name for stage in stages if stage.name in found)
