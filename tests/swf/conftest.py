"""A real pipeline on the embedded SWF service: server, decider and stub workers as processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

REPO = Path(__file__).resolve().parents[2]
STUB = Path(__file__).with_name("stub_worker.py")
STAGES = ("upload", "transcode", "previews", "detect_faces", "recognize_faces", "notify")


class Pipeline:
    """Processes of one test's pipeline, all cleaned up at the end."""

    def __init__(self, endpoint: str, workdir: Path) -> None:
        self.workdir = workdir
        self.marks = workdir / "marks"
        self.marks.mkdir()
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.domain = f"test-{uuid.uuid4().hex[:10]}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")},
            "VIBLIO_ENV": "local",
            "VIBLIO__SWF__ENDPOINT_URL": endpoint,
            "VIBLIO__SWF__DOMAIN": self.domain,
            "VIBLIO__SWF__WORKFLOW__TASK_START_TO_CLOSE": "3",
            "VIBLIO__SWF__WORKFLOW__EXECUTION_START_TO_CLOSE": "120",
            "VIBLIO__PATHS__VAR_DIR": str(workdir / "var"),
        }
        for stage in STAGES:
            prefix = f"VIBLIO__STAGES__{stage.upper()}__"
            self.env.update({
                prefix + "HEARTBEAT_INTERVAL": "0.3",
                prefix + "TIMEOUTS__HEARTBEAT": "2",
                prefix + "TIMEOUTS__START_TO_CLOSE": "30",
                prefix + "TIMEOUTS__SCHEDULE_TO_START": "60",
                prefix + "TIMEOUTS__SCHEDULE_TO_CLOSE": "90",
                prefix + "BACKOFF__INITIAL": "1",
            })
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.client = boto3.client(
            "swf", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local",
            aws_secret_access_key="local", config=BotoConfig(read_timeout=30, retries={"max_attempts": 1}))

    def set(self, **overrides: str) -> None:
        self.env.update(overrides)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], env=self.env, text=True,
                              capture_output=True, timeout=60, check=False)

    def register(self) -> None:
        result = self.cli("register")
        assert result.returncode == 0, result.stderr

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def decider(self, name: str = "decider") -> subprocess.Popen[bytes]:
        return self.spawn(name, [sys.executable, "-m", "viblio_pipeline", "decider"])

    def worker(self, stage: str, script: dict[str, str] | None = None, name: str | None = None
               ) -> subprocess.Popen[bytes]:
        return self.spawn(name or stage, [sys.executable, str(STUB), stage, json.dumps({stage: script or {}}),
                                          str(self.marks)])

    def workers(self, scripts: dict[str, dict[str, str]] | None = None, alone: tuple[str, ...] = ()) -> None:
        """Stub workers for every stage: those in `alone` in processes of their own
        (to be killed or signalled), the rest sharing one process."""
        scripts = scripts or {}
        for stage in alone:
            self.worker(stage, scripts.get(stage))
        shared = [stage for stage in STAGES if stage not in alone]
        self.spawn("workers", [sys.executable, str(STUB), ",".join(shared), json.dumps(scripts), str(self.marks)])

    def start(self, media_uuid: str | None = None, **extra: Any) -> dict[str, str]:
        media_uuid = media_uuid or uuid.uuid4().hex
        body = {"media_uuid": media_uuid, "user_uuid": "user-1", "popeye_host": socket.gethostname(), **extra}
        result = self.cli("start", "--media-uuid", media_uuid, "--user-uuid", "user-1",
                          "--input", json.dumps(body))
        assert result.returncode == 0, result.stderr
        workflow_id = result.stdout.split()[1]
        return {"workflowId": workflow_id, "runId": result.stdout.split()[3]}

    def wait_for_mark(self, name: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not (self.marks / name).exists():
            assert time.monotonic() < deadline, f"{name} never appeared; logs: {self.tail_logs()}"
            time.sleep(0.05)

    def wait_closed(self, execution: dict[str, str], seconds: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            info = self.client.describe_workflow_execution(domain=self.domain, execution=execution)
            if info["executionInfo"]["executionStatus"] == "CLOSED":
                return dict(info["executionInfo"])
            assert time.monotonic() < deadline, f"workflow still open; logs: {self.tail_logs()}"
            time.sleep(0.1)

    def history(self, execution: dict[str, str]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        args: dict[str, Any] = {"domain": self.domain, "execution": execution}
        while True:
            page = self.client.get_workflow_execution_history(**args)
            events.extend(page["events"])
            if not page.get("nextPageToken"):
                return events
            args["nextPageToken"] = page["nextPageToken"]

    def result(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        for event in events:
            if event["eventType"] == "WorkflowExecutionCompleted":
                return dict(json.loads(event["workflowExecutionCompletedEventAttributes"]["result"]))
        raise AssertionError(f"not completed: {[e['eventType'] for e in events][-5:]}")

    def tail_logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-1500:] for p in self.logs.iterdir())

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait(10)


@pytest.fixture
def pipeline(swf_endpoint: str, tmp_path: Path) -> Iterator[Pipeline]:
    pipe = Pipeline(swf_endpoint, tmp_path)
    try:
        yield pipe
    finally:
        pipe.stop_all()


def activity_events(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["eventType"] == event_type]
