"""The execution state machine: events, decision tasks, closing, timeouts.

All state lives in memory under one re-entrant lock and is written through to
SQLite at the end of each request (`flush`). Operation handlers (ops.py,
decisions.py) call the helpers here; none of them touch the store directly.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from viblio_pipeline.localswf.faults import UnknownResourceFault
from viblio_pipeline.localswf.polling import TaskLists
from viblio_pipeline.localswf.state import (
    Activity,
    Domain,
    Execution,
    Json,
    TypeRecord,
    duration_text,
    event_attr_key,
    now,
    prune,
)
from viblio_pipeline.localswf.store import Store, dumps
from viblio_pipeline.localswf.timeouts import Scheduler

log = logging.getLogger(__name__)

HISTORY_LIMIT = 25_000
OPEN_ACTIVITIES_LIMIT = 1_000
OPEN_TIMERS_LIMIT = 1_000
OPEN_CHILDREN_LIMIT = 1_000
OPEN_EXECUTIONS_LIMIT = 100_000
DOMAINS_LIMIT = 100
TYPES_LIMIT = 10_000
DAY = 86_400.0


def new_run_id() -> str:
    """A fresh runId (44 characters, like the ids real SWF hands out)."""
    return (uuid.uuid4().hex + uuid.uuid4().hex)[:44]


class Engine:
    """State, persistence, task lists and deadlines of one SWF service."""

    def __init__(self, db_path: str | Path, poll_timeout: float = 60.0) -> None:
        self.lock = threading.RLock()
        self.store = Store(db_path)
        self.poll_timeout = poll_timeout
        self.domains: dict[str, Domain] = {}
        self.types: dict[tuple[str, str, str, str], TypeRecord] = {}
        self.runs: dict[str, Execution] = {}
        self.by_domain: dict[str, dict[str, Execution]] = {}
        self.open_ids: dict[tuple[str, str], str] = {}
        self.open_count: dict[str, int] = {}  # open executions per domain (the 100,000 limit)
        self.activity_lists = TaskLists(self.lock)
        self.decision_lists = TaskLists(self.lock)
        self.scheduler = Scheduler(self.on_deadline, self.deadline_live)
        self.dirty: set[str] = set()
        self.account = "000000000000"
        self.region = "us-east-1"
        with self.lock:
            self._load()

    # -- lifecycle ------------------------------------------------------------------------
    def _load(self) -> None:
        """Rebuild memory, task lists and deadlines from the database."""
        for name, data in self.store.domains():
            self.domains[name] = Domain(**data)
        for domain, kind, data in self.store.types():
            rec = TypeRecord(**data)
            self.types[(domain, kind, rec.name, rec.version)] = rec
        for status, data in self.store.executions():
            exe = Execution.from_json(data)
            self._index(exe)
            if status == "OPEN":
                exe.events = self.store.event_texts(exe.run_id, 1, exe.event_count or 1 << 30, False)
                exe.event_count = len(exe.events)
                exe.persisted_events = exe.event_count
                self._rearm(exe)
            else:
                self._arm_purge(exe)

    def _rearm(self, exe: Execution) -> None:
        """Re-queue an open execution's tasks and re-arm its deadlines after a restart."""
        if exe.dt_scheduled_id and not exe.dt_started_id:
            self.decision_lists.push(exe.domain, exe.dt_task_list, exe.run_id, exe.dt_priority)
        self.arm_decision(exe)
        for act in exe.activities.values():
            if not act.started_id:
                self.activity_lists.push(exe.domain, act.task_list, (exe.run_id, act.scheduled_id),
                                         act.priority)
            self.arm_activity(exe, act)
        for timer in exe.timers.values():
            self.scheduler.at(timer.fire_at, ("timer", exe.run_id, timer.timer_id, timer.started_id))
        self.scheduler.at(exe.start_ts + exe.exec_timeout, ("workflow", exe.run_id))

    def start(self) -> None:
        self.scheduler.start()

    def close(self) -> None:
        with self.lock:
            self.decision_lists.wake_all()
            self.activity_lists.wake_all()
        self.scheduler.stop()
        with self.lock:
            self.flush()
            self.store.close()

    # -- bookkeeping ----------------------------------------------------------------------
    def _index(self, exe: Execution) -> None:
        self.runs[exe.run_id] = exe
        self.by_domain.setdefault(exe.domain, {})[exe.run_id] = exe
        if exe.is_open:
            self.open_ids[(exe.domain, exe.workflow_id)] = exe.run_id
            self.open_count[exe.domain] = self.open_count.get(exe.domain, 0) + 1

    def touch(self, exe: Execution) -> None:
        self.dirty.add(exe.run_id)

    def flush(self) -> None:
        """Write every changed execution and its new events; one transaction."""
        for run_id in self.dirty:
            exe = self.runs.get(run_id)
            if exe is None:
                continue
            if exe.events is not None and exe.persisted_events < len(exe.events):
                self.store.add_events(run_id, exe.persisted_events + 1, exe.events[exe.persisted_events:])
                exe.persisted_events = len(exe.events)
            self.store.put_execution(run_id, exe.domain, exe.status, exe.to_json())
            if not exe.is_open:
                exe.events = None  # closed histories are read back from disk on demand
        self.dirty.clear()
        self.store.commit()

    def save_domain(self, domain: Domain) -> None:
        self.store.put_domain(domain.name, domain.__dict__)

    def save_type(self, domain: str, rec: TypeRecord) -> None:
        self.store.put_type(domain, rec.kind, rec.name, rec.version, rec.__dict__)

    def event_texts(self, exe: Execution, ids: range) -> list[str]:
        """JSON text of the events with these ids, in the order of ids."""
        if not ids:
            return []
        if exe.events is not None:
            events = exe.events
            return [events[i - 1] for i in ids]
        reverse = ids.step < 0
        return self.store.event_texts(exe.run_id, min(ids[0], ids[-1]), max(ids[0], ids[-1]), reverse)

    def domain_arn(self, name: str) -> str:
        return f"arn:aws:swf:{self.region}:{self.account}:/domain/{name}"

    # -- events ---------------------------------------------------------------------------
    def add_event(self, exe: Execution, event_type: str, attrs: Json, ts: float) -> int:
        """Append an event; returns its id, or 0 if the run is (or just got) closed.

        Reaching the history limit terminates the run with EVENT_LIMIT_EXCEEDED
        instead of recording the event.
        """
        if not exe.is_open or exe.events is None:
            return 0
        if exe.event_count >= HISTORY_LIMIT - 1 and event_type != "WorkflowExecutionTerminated":
            self.terminate(exe, ts, reason=None, details=None, child_policy=None,
                           cause="EVENT_LIMIT_EXCEEDED")
            return 0
        exe.event_count += 1
        exe.events.append(dumps({
            "eventId": exe.event_count,
            "eventTimestamp": ts,
            "eventType": event_type,
            event_attr_key(event_type): prune(attrs),
        }))
        self.touch(exe)
        return exe.event_count

    # -- decision tasks -------------------------------------------------------------------
    def schedule_decision(self, exe: Execution, ts: float, task_list: str | None = None,
                          s2start: int | None = None) -> None:
        """Schedule a decision task unless one is already pending (triggers collapse)."""
        if not exe.is_open or exe.dt_scheduled_id:
            return
        tl = task_list or exe.next_dt_task_list or exe.task_list
        if s2start is None:
            s2start = exe.decision_s2start
        exe.next_dt_task_list = exe.decision_s2start = None  # a temporary override serves one task
        event_id = self.add_event(exe, "DecisionTaskScheduled", {
            "taskList": {"name": tl},
            "taskPriority": exe.priority,
            "startToCloseTimeout": duration_text(exe.task_timeout),
            "scheduleToStartTimeout": None if s2start is None else str(s2start),
        }, ts)
        if not event_id:
            return
        exe.dt_scheduled_id = event_id
        exe.dt_scheduled_at = ts
        exe.dt_task_list = tl
        exe.dt_priority = exe.priority
        exe.dt_s2start = s2start
        exe.dt_timeout = exe.task_timeout
        if not exe.dt_started_id:
            self.decision_lists.push(exe.domain, tl, exe.run_id, exe.priority)
            self.arm_decision(exe)

    def start_decision(self, exe: Execution, identity: str | None, ts: float) -> int:
        """Move the scheduled decision task to started (called by a poll)."""
        sched = exe.dt_scheduled_id
        started = self.add_event(exe, "DecisionTaskStarted",
                                 {"identity": identity, "scheduledEventId": sched}, ts)
        if not started:
            return 0
        exe.dt_started_id = started
        exe.dt_started_sched_id = sched
        exe.dt_started_at = ts
        exe.dt_started_timeout = exe.dt_timeout
        exe.dt_scheduled_id = 0
        self.arm_decision(exe)
        return started

    def finish_decision(self, exe: Execution) -> None:
        """The started decision task ended; hand out the pending one, if any."""
        exe.dt_started_id = 0
        exe.dt_started_sched_id = 0
        if exe.is_open and exe.dt_scheduled_id:
            self.decision_lists.push(exe.domain, exe.dt_task_list, exe.run_id, exe.dt_priority)
            self.arm_decision(exe)

    def arm_decision(self, exe: Execution) -> None:
        if exe.dt_started_id and exe.dt_started_timeout is not None:
            self.scheduler.at(exe.dt_started_at + exe.dt_started_timeout,
                              ("decision", exe.run_id, exe.dt_started_id))
        elif exe.dt_scheduled_id and exe.dt_s2start is not None:
            self.scheduler.at(exe.dt_scheduled_at + exe.dt_s2start,
                              ("decision-s2s", exe.run_id, exe.dt_scheduled_id))

    # -- activities -----------------------------------------------------------------------
    def arm_activity(self, exe: Execution, act: Activity) -> None:
        due = act.deadline()
        if due is not None:
            self.scheduler.at(due[0], ("activity", exe.run_id, act.scheduled_id))

    def drop_activity(self, exe: Execution, act: Activity) -> None:
        exe.activities.pop(act.activity_id, None)
        if not act.started_id:
            self.activity_lists.remove(exe.domain, act.task_list, (exe.run_id, act.scheduled_id),
                                       act.priority)

    def timeout_activity(self, exe: Execution, act: Activity, kind: str, ts: float) -> None:
        self.drop_activity(exe, act)
        self.add_event(exe, "ActivityTaskTimedOut", {
            "timeoutType": kind,
            "scheduledEventId": act.scheduled_id,
            "startedEventId": act.started_id,
            "details": act.details,
        }, ts)
        self.schedule_decision(exe, ts)

    # -- starting and closing runs --------------------------------------------------------
    def new_run(self, *, domain: str, workflow_id: str, workflow_type: Json, task_list: str,
                priority: str | None, child_policy: str, exec_timeout: int, task_timeout: int | None,
                tag_list: list[str], input: str | None, lambda_role: str | None, ts: float,
                parent: Json | None = None, parent_initiated_id: int = 0,
                continued_from: str | None = None, run_id: str | None = None) -> Execution:
        """Create an open run with its WorkflowExecutionStarted and first decision task."""
        exe = Execution(
            domain=domain, workflow_id=workflow_id, run_id=run_id or new_run_id(),
            workflow_type=workflow_type, task_list=task_list, priority=priority,
            child_policy=child_policy, exec_timeout=exec_timeout, task_timeout=task_timeout,
            tag_list=tag_list, input=input, lambda_role=lambda_role, start_ts=ts, parent=parent,
            parent_initiated_id=parent_initiated_id,
        )
        exe.events = []
        self._index(exe)
        self.add_event(exe, "WorkflowExecutionStarted", {
            "input": input,
            "executionStartToCloseTimeout": str(exec_timeout),
            "taskStartToCloseTimeout": duration_text(task_timeout),
            "childPolicy": child_policy,
            "taskList": {"name": task_list},
            "taskPriority": priority,
            "workflowType": workflow_type,
            "tagList": tag_list or None,
            "continuedExecutionRunId": continued_from,
            "parentWorkflowExecution": parent,
            "parentInitiatedEventId": parent_initiated_id,
            "lambdaRole": lambda_role,
        }, ts)
        self.schedule_decision(exe, ts)
        self.scheduler.at(ts + exec_timeout, ("workflow", exe.run_id))
        return exe

    def close_run(self, exe: Execution, close_status: str, ts: float,
                  apply_child_policy: str | None = None, parent_event: tuple[str, Json] | None = None,
                  notify_parent: bool = True) -> None:
        """Mark a run closed after its closing event was recorded.

        Pending tasks are withdrawn (their tokens become unknown), the child
        policy is applied when the run was terminated or timed out, and the
        parent learns about the close.
        """
        exe.status = "CLOSED"
        exe.close_status = close_status
        exe.close_ts = ts
        self.open_count[exe.domain] -= 1
        self.touch(exe)
        if self.open_ids.get((exe.domain, exe.workflow_id)) == exe.run_id:
            del self.open_ids[(exe.domain, exe.workflow_id)]
        if exe.dt_scheduled_id and not exe.dt_started_id:
            self.decision_lists.remove(exe.domain, exe.dt_task_list, exe.run_id, exe.dt_priority)
        exe.dt_scheduled_id = exe.dt_started_id = exe.dt_started_sched_id = 0
        for act in list(exe.activities.values()):
            self.drop_activity(exe, act)
        exe.timers.clear()
        children = list(exe.children.values())
        exe.children.clear()
        if apply_child_policy:
            for child in children:
                target = self.runs.get(child.run_id)
                if target is None or not target.is_open:
                    continue
                if apply_child_policy == "TERMINATE":
                    self.terminate(target, ts, reason=None, details=None, child_policy=None,
                                   cause="CHILD_POLICY_APPLIED")
                elif apply_child_policy == "REQUEST_CANCEL":
                    self.add_event(target, "WorkflowExecutionCancelRequested",
                                   {"cause": "CHILD_POLICY_APPLIED"}, ts)
                    target.cancel_requested = True
                    self.schedule_decision(target, ts)
        if notify_parent and parent_event is not None and exe.parent:
            self._notify_parent(exe, parent_event, ts)
        self._arm_purge(exe)

    def _notify_parent(self, exe: Execution, parent_event: tuple[str, Json], ts: float) -> None:
        assert exe.parent is not None
        parent = self.runs.get(exe.parent["runId"])
        if parent is None or not parent.is_open:
            return
        child = parent.children.pop(exe.parent_initiated_id, None)
        if child is None:
            return
        event_type, extra = parent_event
        attrs: Json = {
            "workflowExecution": exe.ref(),
            "workflowType": exe.workflow_type,
            **extra,
            "initiatedEventId": child.initiated_id,
            "startedEventId": child.started_id,
        }
        self.add_event(parent, event_type, attrs, ts)
        self.schedule_decision(parent, ts)

    def terminate(self, exe: Execution, ts: float, *, reason: str | None, details: str | None,
                  child_policy: str | None, cause: str | None) -> None:
        policy = child_policy or exe.child_policy
        self.add_event(exe, "WorkflowExecutionTerminated", {
            "reason": reason, "details": details, "childPolicy": policy, "cause": cause,
        }, ts)
        self.close_run(exe, "TERMINATED", ts, apply_child_policy=policy,
                       parent_event=("ChildWorkflowExecutionTerminated", {}))

    def _arm_purge(self, exe: Execution) -> None:
        domain = self.domains.get(exe.domain)
        if domain is None or exe.close_ts is None:
            return
        days = 0 if domain.retention == "NONE" else int(domain.retention)
        self.scheduler.at(exe.close_ts + days * DAY, ("purge", exe.run_id))

    # -- lookups --------------------------------------------------------------------------
    def domain(self, name: str) -> Domain:
        dom = self.domains.get(name)
        if dom is None:
            raise UnknownResourceFault(f"Unknown domain: {name}")
        return dom

    def find_run(self, domain: str, workflow_id: str, run_id: str | None) -> Execution:
        """An execution by id; without runId, the open run of workflowId."""
        self.domain(domain)
        exe: Execution | None
        if run_id:
            exe = self.runs.get(run_id)
            if exe is not None and (exe.domain != domain or exe.workflow_id != workflow_id):
                exe = None
        else:
            open_run = self.open_ids.get((domain, workflow_id))
            exe = self.runs.get(open_run) if open_run else None
        if exe is None:
            raise UnknownResourceFault(f"Unknown execution: WorkflowExecution=[workflowId={workflow_id}, "
                                       f"runId={run_id}]")
        return exe

    # -- deadlines ------------------------------------------------------------------------
    def deadline_live(self, key: Hashable) -> bool:
        """Whether a scheduler entry can still matter (engine lock held by the caller)."""
        assert isinstance(key, tuple)
        exe = self.runs.get(key[1])
        if exe is None:
            return False
        kind = key[0]
        if kind == "purge":
            return True
        if not exe.is_open:
            return False
        if kind == "activity":
            return exe.activity_by_scheduled(key[2]) is not None
        if kind == "decision":
            return bool(exe.dt_started_id == key[2])
        if kind == "decision-s2s":
            return bool(exe.dt_scheduled_id == key[2])
        if kind == "timer":
            timer = exe.timers.get(key[2])
            return timer is not None and timer.started_id == key[3]
        return True

    def on_deadline(self, key: Hashable) -> None:
        """Called by the scheduler thread; re-checks state before acting."""
        assert isinstance(key, tuple)
        with self.lock:
            try:
                self._deadline(key)
            finally:
                self.flush()

    def _deadline(self, key: tuple[Any, ...]) -> None:
        kind, run_id = key[0], key[1]
        exe = self.runs.get(run_id)
        if exe is None:
            return
        ts = now()
        if kind == "purge":
            self._purge(exe, ts)
            return
        if not exe.is_open:
            return
        if kind == "activity":
            act = exe.activity_by_scheduled(key[2])
            if act is None:
                return
            due = act.deadline()
            if due is None:
                return
            if due[0] > ts + 0.0005:
                self.scheduler.at(due[0], key)
                return
            self.timeout_activity(exe, act, due[1], ts)
        elif kind == "decision":
            if exe.dt_started_id != key[2]:
                return
            self.add_event(exe, "DecisionTaskTimedOut", {
                "timeoutType": "START_TO_CLOSE",
                "scheduledEventId": exe.dt_started_sched_id,
                "startedEventId": exe.dt_started_id,
            }, ts)
            self.finish_decision(exe)
            self.schedule_decision(exe, ts)
        elif kind == "decision-s2s":
            if exe.dt_scheduled_id != key[2] or exe.dt_started_id:
                return
            self.decision_lists.remove(exe.domain, exe.dt_task_list, exe.run_id, exe.dt_priority)
            self.add_event(exe, "DecisionTaskTimedOut", {
                "timeoutType": "SCHEDULE_TO_START",
                "scheduledEventId": exe.dt_scheduled_id,
                "startedEventId": 0,
            }, ts)
            exe.dt_scheduled_id = 0
            self.schedule_decision(exe, ts)  # back on the execution's own task list
        elif kind == "timer":
            timer = exe.timers.get(key[2])
            if timer is None or timer.started_id != key[3]:
                return
            del exe.timers[timer.timer_id]
            self.add_event(exe, "TimerFired", {"timerId": timer.timer_id,
                                               "startedEventId": timer.started_id}, ts)
            self.schedule_decision(exe, ts)
        elif kind == "workflow":
            if exe.start_ts + exe.exec_timeout > ts + 0.0005:
                self.scheduler.at(exe.start_ts + exe.exec_timeout, key)
                return
            self.add_event(exe, "WorkflowExecutionTimedOut", {
                "timeoutType": "START_TO_CLOSE", "childPolicy": exe.child_policy}, ts)
            self.close_run(exe, "TIMED_OUT", ts, apply_child_policy=exe.child_policy,
                           parent_event=("ChildWorkflowExecutionTimedOut", {"timeoutType": "START_TO_CLOSE"}))

    def _purge(self, exe: Execution, ts: float) -> None:
        if exe.is_open or exe.close_ts is None:
            return
        domain = self.domains.get(exe.domain)
        days = 0 if domain is None or domain.retention == "NONE" else int(domain.retention)
        if exe.close_ts + days * DAY > ts + 0.0005:
            self.scheduler.at(exe.close_ts + days * DAY, ("purge", exe.run_id))
            return
        del self.runs[exe.run_id]
        self.by_domain.get(exe.domain, {}).pop(exe.run_id, None)
        self.dirty.discard(exe.run_id)
        self.store.delete_execution(exe.run_id)
