"""In-memory state of domains, types and executions, serialisable to JSON.

Deadlines are stored as absolute epoch times so that the timeout scheduler can
be rebuilt from persisted state after a restart and fire at the original time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

Json = dict[str, Any]


class RawJson:
    """A response body already encoded as JSON text (history pages)."""

    def __init__(self, text: str) -> None:
        self.text = text


def now() -> float:
    """Epoch seconds with millisecond precision, as SWF timestamps are."""
    return round(time.time(), 3)


def event_attr_key(event_type: str) -> str:
    return event_type[0].lower() + event_type[1:] + "EventAttributes"


def prune(attrs: Json) -> Json:
    """Drop unset optional attributes: SWF omits them rather than sending null."""
    return {k: v for k, v in attrs.items() if v is not None}


def duration_text(seconds: int | None) -> str:
    return "NONE" if seconds is None else str(seconds)


@dataclass
class Domain:
    name: str
    retention: str
    description: str | None = None
    status: str = "REGISTERED"
    tags: list[Json] = field(default_factory=list)
    created: float = 0.0


@dataclass
class TypeRecord:
    """An activity or workflow type; `config` holds the registered defaults."""

    kind: str  # "activity" | "workflow"
    name: str
    version: str
    description: str | None
    config: Json
    status: str = "REGISTERED"
    created: float = 0.0
    deprecated: float | None = None


@dataclass
class Activity:
    activity_id: str
    scheduled_id: int
    activity_type: Json
    task_list: str
    priority: str | None
    input: str | None
    scheduled_at: float
    s2start: int | None
    s2close: int | None
    start2close: int | None
    heartbeat: int | None
    started_id: int = 0
    started_at: float = 0.0
    last_heartbeat: float = 0.0
    details: str | None = None
    cancel_requested_id: int = 0

    def deadline(self) -> tuple[float, str] | None:
        """The earliest pending timeout (absolute time, timeoutType)."""
        options: list[tuple[float, str]] = []
        if not self.started_id:
            if self.s2start is not None:
                options.append((self.scheduled_at + self.s2start, "SCHEDULE_TO_START"))
        else:
            if self.start2close is not None:
                options.append((self.started_at + self.start2close, "START_TO_CLOSE"))
            if self.heartbeat is not None:
                options.append((max(self.last_heartbeat, self.started_at) + self.heartbeat, "HEARTBEAT"))
        if self.s2close is not None:
            options.append((self.scheduled_at + self.s2close, "SCHEDULE_TO_CLOSE"))
        return min(options) if options else None


@dataclass
class Timer:
    timer_id: str
    started_id: int
    fire_at: float
    control: str | None = None


@dataclass
class Child:
    initiated_id: int
    workflow_id: str
    workflow_type: Json
    run_id: str = ""
    started_id: int = 0


_NOT_PERSISTED = frozenset({"events", "persisted_events", "activities", "timers", "children"})


@lru_cache(maxsize=1)
def _persisted_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Execution) if f.name not in _NOT_PERSISTED)


@dataclass
class Execution:
    domain: str
    workflow_id: str
    run_id: str
    workflow_type: Json
    task_list: str
    priority: str | None
    child_policy: str
    exec_timeout: int
    task_timeout: int | None
    tag_list: list[str]
    input: str | None
    lambda_role: str | None
    start_ts: float
    close_ts: float | None = None
    status: str = "OPEN"
    close_status: str | None = None
    parent: Json | None = None
    parent_initiated_id: int = 0
    cancel_requested: bool = False
    latest_context: str | None = None
    latest_activity_ts: float | None = None
    event_count: int = 0
    activities: dict[str, Activity] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    children: dict[int, Child] = field(default_factory=dict)
    # Decision task bookkeeping: at most one scheduled and one started.
    dt_scheduled_id: int = 0
    dt_scheduled_at: float = 0.0
    dt_task_list: str = ""
    dt_priority: str | None = None
    dt_s2start: int | None = None
    dt_timeout: int | None = None
    dt_started_id: int = 0
    dt_started_sched_id: int = 0
    dt_started_at: float = 0.0
    dt_started_timeout: int | None = None
    previous_started_id: int = 0
    # A temporary task-list override for the next decision task only
    # (RespondDecisionTaskCompleted taskList + taskListScheduleToStartTimeout).
    next_dt_task_list: str | None = None
    decision_s2start: int | None = None
    events: list[str] | None = field(default=None, repr=False)  # history as encoded JSON, in order
    persisted_events: int = field(default=0, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status == "OPEN"

    def ref(self) -> Json:
        return {"workflowId": self.workflow_id, "runId": self.run_id}

    def activity_by_scheduled(self, scheduled_id: int) -> Activity | None:
        for act in self.activities.values():
            if act.scheduled_id == scheduled_id:
                return act
        return None

    def to_json(self) -> Json:
        """Plain data for the store; the history is stored separately, event by event."""
        data = {name: getattr(self, name) for name in _persisted_names()}
        data["activities"] = {k: vars(v) for k, v in self.activities.items()}
        data["timers"] = {k: vars(v) for k, v in self.timers.items()}
        data["children"] = [vars(c) for c in self.children.values()]
        return data

    @classmethod
    def from_json(cls, data: Json) -> Execution:
        data = dict(data)
        acts = {k: Activity(**v) for k, v in data.pop("activities").items()}
        timers = {k: Timer(**v) for k, v in data.pop("timers").items()}
        children = {c["initiated_id"]: Child(**c) for c in data.pop("children")}
        exe = cls(**data)
        exe.activities, exe.timers, exe.children = acts, timers, children
        return exe
