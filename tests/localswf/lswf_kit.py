"""Helpers for the localswf conformance tests: a server process and boto3 shortcuts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
POLL_TIMEOUT = 1.0


class ServerProcess:
    """`python -m viblio_pipeline.localswf` on a free loopback port."""

    def __init__(self, db: Path, poll_timeout: float = POLL_TIMEOUT) -> None:
        self.db = db
        self.poll_timeout = poll_timeout
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> ServerProcess:
        port_arg = str(self.port)  # reuse the port after a restart so clients keep working
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "viblio_pipeline.localswf", "--port", port_arg, "--db", str(self.db),
             "--poll-timeout", str(self.poll_timeout)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 20
        line, seen = "", []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            seen.append(line)
            match = re.search(r"listening on http://[\d.]+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                return self
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("localswf did not start: " + "".join(seen)[-2000:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, read_timeout: float = 10.0) -> Any:
        return boto3.client(
            "swf", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
            config=Config(read_timeout=read_timeout, connect_timeout=5, retries={"max_attempts": 1},
                          max_pool_connections=50),
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class Swf:
    """One test's domain on a shared server, with short helpers for the usual calls."""

    def __init__(self, client: Any, domain: str) -> None:
        self.c = client
        self.domain = domain
        self.wf_type = {"name": "W", "version": "1"}
        self.act_type = {"name": "A", "version": "1"}
        self.decider_list = "dec-" + domain
        self.activity_list = "act-" + domain

    def setup(self, retention: str = "1", task_timeout: str = "30", exec_timeout: str = "300",
              activity_defaults: dict[str, str] | None = None) -> Swf:
        self.c.register_domain(name=self.domain, workflowExecutionRetentionPeriodInDays=retention)
        self.c.register_workflow_type(
            domain=self.domain, **self.wf_type, defaultTaskList={"name": self.decider_list},
            defaultExecutionStartToCloseTimeout=exec_timeout, defaultTaskStartToCloseTimeout=task_timeout,
            defaultChildPolicy="TERMINATE")
        defaults = activity_defaults or {
            "defaultTaskScheduleToStartTimeout": "60", "defaultTaskScheduleToCloseTimeout": "120",
            "defaultTaskStartToCloseTimeout": "60", "defaultTaskHeartbeatTimeout": "NONE"}
        self.c.register_activity_type(domain=self.domain, **self.act_type,
                                      defaultTaskList={"name": self.activity_list}, **defaults)
        return self

    def start(self, workflow_id: str = "wf", **kwargs: Any) -> dict[str, str]:
        run = self.c.start_workflow_execution(domain=self.domain, workflowId=workflow_id,
                                              workflowType=kwargs.pop("workflowType", self.wf_type), **kwargs)
        return {"workflowId": workflow_id, "runId": run["runId"]}

    def poll_decision(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self.c.poll_for_decision_task(domain=self.domain,
                                                  taskList={"name": kwargs.pop("task_list", self.decider_list)},
                                                  identity="decider", **kwargs))

    def poll_activity(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self.c.poll_for_activity_task(domain=self.domain,
                                                  taskList={"name": kwargs.pop("task_list", self.activity_list)},
                                                  identity="worker", **kwargs))

    def decide(self, task: dict[str, Any], *decisions: dict[str, Any], **kwargs: Any) -> None:
        self.c.respond_decision_task_completed(taskToken=task["taskToken"], decisions=list(decisions), **kwargs)

    def history(self, execution: dict[str, str], **kwargs: Any) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token = None
        while True:
            extra = {"nextPageToken": token} if token else {}
            page = self.c.get_workflow_execution_history(domain=self.domain, execution=execution,
                                                         **kwargs, **extra)
            events.extend(page["events"])
            token = page.get("nextPageToken")
            if not token:
                return events

    def types(self, execution: dict[str, str]) -> list[str]:
        return [e["eventType"] for e in self.history(execution)]

    def describe(self, execution: dict[str, str]) -> dict[str, Any]:
        return dict(self.c.describe_workflow_execution(domain=self.domain, execution=execution))


def schedule(activity_id: str, act_type: dict[str, str] | None = None, **attrs: Any) -> dict[str, Any]:
    return {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
        "activityType": act_type or {"name": "A", "version": "1"}, "activityId": activity_id, **attrs}}


def decision(kind: str, **attrs: Any) -> dict[str, Any]:
    return {"decisionType": kind, kind[0].lower() + kind[1:] + "DecisionAttributes": attrs}


def attrs(event: dict[str, Any]) -> dict[str, Any]:
    """An event's attribute dict (the one key ending in EventAttributes)."""
    key = event["eventType"][0].lower() + event["eventType"][1:] + "EventAttributes"
    return dict(event[key])


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
