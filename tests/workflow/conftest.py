"""Replay fixtures: the shipped local config and a simulated SWF history per test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from viblio_pipeline.config import Settings, load_config
from viblio_pipeline.workflow import WorkflowSpec, decide
from viblio_pipeline.workflow.simulation import HistoryBuilder

DEFAULT_INPUT = {"media_uuid": "m-1", "user_uuid": "u-1", "popeye_host": "popeye-1"}


class Run:
    """One execution: a history written like SWF would, decided by the real decider."""

    def __init__(self, spec: WorkflowSpec, workflow_input: Any) -> None:
        self.spec = spec
        self.history = HistoryBuilder(decider_task_list=spec.decider_task_list)
        self.history.start(workflow_input)

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.history.events

    def decide(self) -> Decisions:
        """A full decision task: started, decided from the whole history, responded."""
        return Decisions(self.history.decide(lambda events: decide(events, self.spec)))

    def peek(self) -> Decisions:
        """What the decider would answer from the history as it stands, without responding."""
        return Decisions(decide(list(self.events), self.spec))

    def complete(self, activity_id: str, result: Any = None) -> None:
        self.history.activity_completed(activity_id, {"stage": activity_id} if result is None else result)

    def fail(self, activity_id: str, retry: bool = True, error: str = "boom", message: str = "it broke") -> None:
        self.history.activity_failed(activity_id, reason=f"{error}: {message}",
                                     details={"retry": retry, "error": error, "message": message})

    def run_until(self, stage: str) -> None:
        """Complete every scheduled activity until stage's first attempt is scheduled."""
        for _ in range(20):
            decisions = self.decide()
            if f"{stage}-1" in decisions.scheduled_ids:
                return
            for activity in self.history.open_activities():
                self.complete(activity)
        raise AssertionError(f"{stage} was never scheduled")


class Decisions(list[dict[str, Any]]):
    """A decision batch with the questions tests ask of it."""

    @property
    def kinds(self) -> list[str]:
        return [d["decisionType"] for d in self]

    @property
    def scheduled_ids(self) -> list[str]:
        return [attributes(d)["activityId"] for d in self if d["decisionType"] == "ScheduleActivityTask"]

    def scheduled(self, activity_id: str) -> dict[str, Any]:
        for decision in self:
            if decision["decisionType"] == "ScheduleActivityTask" and attributes(decision)["activityId"] == activity_id:
                return attributes(decision)
        raise AssertionError(f"{activity_id} not scheduled in {self.kinds}")

    def only(self, kind: str) -> dict[str, Any]:
        matching = [d for d in self if d["decisionType"] == kind]
        assert len(matching) == 1, f"expected one {kind}, got {self.kinds}"
        return attributes(matching[0])

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [attributes(d) for d in self if d["decisionType"] == kind]


def attributes(decision: dict[str, Any]) -> dict[str, Any]:
    kind = decision["decisionType"]
    found: dict[str, Any] = decision[kind[:1].lower() + kind[1:] + "DecisionAttributes"]
    return found


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_config("local", environ={}, require_secrets=False).settings


@pytest.fixture(scope="session")
def spec(settings: Settings) -> WorkflowSpec:
    return WorkflowSpec.from_settings(settings)


@pytest.fixture
def make_spec(settings: Settings) -> Callable[..., WorkflowSpec]:
    """A spec from the shipped config with some stage settings changed: make_spec(notify={...})."""

    def build(**changes: dict[str, Any]) -> WorkflowSpec:
        stages = dict(settings.stages)
        for name, update in changes.items():
            stages[name] = stages[name].model_copy(update=update)
        return WorkflowSpec.from_settings(settings.model_copy(update={"stages": stages}))

    return build


@pytest.fixture
def run(spec: WorkflowSpec) -> Callable[..., Run]:
    def start(workflow_input: Any = None, with_spec: WorkflowSpec | None = None) -> Run:
        return Run(with_spec or spec, DEFAULT_INPUT if workflow_input is None else workflow_input)

    return start
