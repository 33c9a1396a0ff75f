"""kill -9 and restart: nothing acknowledged is lost, deadlines keep their original times."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lswf_kit import REPO, ServerProcess, Swf, attrs, decision, schedule, wait_for

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "swf.sqlite3").start()
    try:
        yield proc
    finally:
        proc.stop()


def test_kill9_and_restart_keeps_everything(own_server: ServerProcess) -> None:
    swf = Swf(own_server.client(), "durable").setup()
    closed = swf.start("done")
    swf.decide(swf.poll_decision(), decision("CompleteWorkflowExecution", result="r"))
    closed_history = swf.history(closed)

    run = swf.start("open", input="in")
    swf.decide(swf.poll_decision(),
               schedule("queued", scheduleToStartTimeout="60"),
               schedule("started", taskList={"name": "busy"}, startToCloseTimeout="5"),
               decision("StartTimer", timerId="t", startToFireTimeout="4"))
    act = swf.poll_activity(task_list="busy")
    swf.c.record_activity_task_heartbeat(taskToken=act["taskToken"], details="hb")
    other = swf.start("waiting")
    before = swf.history(run)
    own_server.kill9()
    time.sleep(1.0)  # down for a while: deadlines must still count from the original times
    own_server.start()
    swf = Swf(own_server.client(), "durable")

    assert swf.history(closed) == closed_history
    assert swf.history(run)[:len(before)] == before
    assert swf.describe(run)["openCounts"]["openActivityTasks"] == 2
    got = swf.poll_activity()
    assert got["activityId"] == "queued" and "input" not in got
    task = swf.poll_decision()
    assert task["workflowExecution"] in (run, other)

    def event(kind: str) -> dict[str, Any] | None:
        return next((e for e in swf.history(run) if e["eventType"] == kind), None)

    fired = wait_for(lambda: event("TimerFired"), timeout=10)
    started_timer = next(e for e in before if e["eventType"] == "TimerStarted")
    assert 3.95 <= (fired["eventTimestamp"] - started_timer["eventTimestamp"]).total_seconds() < 4.8
    timed_out = wait_for(lambda: event("ActivityTaskTimedOut"), timeout=10)
    started_act = next(e for e in before if e["eventType"] == "ActivityTaskStarted")
    assert attrs(timed_out) == {"timeoutType": "START_TO_CLOSE", "scheduledEventId": 6,
                                "startedEventId": started_act["eventId"], "details": "hb"}
    assert 4.95 <= (timed_out["eventTimestamp"] - started_act["eventTimestamp"]).total_seconds() < 5.8
    ids = [e["eventId"] for e in swf.history(run)]
    assert ids == list(range(1, len(ids) + 1))


def test_started_decision_survives_restart(own_server: ServerProcess) -> None:
    swf = Swf(own_server.client(), "durable2").setup()
    run = swf.start("w")
    task = swf.poll_decision()
    own_server.kill9()
    own_server.start()
    swf = Swf(own_server.client(), "durable2")
    swf.decide(task, decision("CompleteWorkflowExecution"))
    assert swf.describe(run)["executionInfo"]["closeStatus"] == "COMPLETED"


def test_sigterm_shuts_down_cleanly_while_polls_wait(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "swf.sqlite3", poll_timeout=30).start()
    try:
        swf = Swf(proc.client(read_timeout=40), "term").setup()
        began = time.monotonic()
        result: dict[str, Any] = {}
        poller = threading.Thread(target=lambda: result.update(swf.poll_decision()))
        poller.start()
        time.sleep(0.3)
        assert proc.terminate() == 0
        poller.join(timeout=10)
        assert time.monotonic() - began < 10
        assert result.get("startedEventId") == 0
    finally:
        proc.stop()


def test_cli_swf_server_command(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "viblio_pipeline", "swf-server", "--port", "0", "--db", str(tmp_path / "s.db"),
         "--poll-timeout", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "VIBLIO_ENV": "local"})
    try:
        assert proc.stdout is not None
        port = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and port is None:
            line = proc.stdout.readline()
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                port = int(match.group(1))
            elif not line and proc.poll() is not None:
                break
        assert port, "swf-server did not announce its port"
        server = ServerProcess(tmp_path / "s.db")
        server.port = port
        server.client().register_domain(name="cli", workflowExecutionRetentionPeriodInDays="1")
        assert (tmp_path / "s.db").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_kill9_under_concurrent_load_loses_nothing_acknowledged(own_server: ServerProcess) -> None:
    swf = Swf(own_server.client(), "busy").setup()
    acked: list[dict[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        client = Swf(own_server.client(), "busy")
        i = 0
        while not stop.is_set():
            try:
                run = client.start(f"w{n}-{i}", input="x" * 1000)
                client.c.signal_workflow_execution(domain="busy", workflowId=f"w{n}-{i}", signalName="s")
            except Exception:  # noqa: BLE001 - the server dies under us; only acknowledged calls count
                return
            with lock:
                acked.append(run)
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    own_server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acked) > 20
    own_server.start()
    swf = Swf(own_server.client(), "busy")
    for run in acked:
        kinds = swf.types(run)
        assert kinds[:3] == ["WorkflowExecutionStarted", "DecisionTaskScheduled", "WorkflowExecutionSignaled"]
    count = swf.c.count_open_workflow_executions(domain="busy", startTimeFilter={"oldestDate": 0})["count"]
    assert count >= len(acked)


def test_a_second_server_refuses_the_same_database(own_server: ServerProcess) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "viblio_pipeline.localswf", "--port", "0", "--db", str(own_server.db)],
        cwd=REPO, capture_output=True, text=True, timeout=30)
    assert second.returncode == 2
    assert "in use by another SWF server process" in second.stderr
    own_server.client().list_domains(registrationStatus="REGISTERED")  # the first one is unaffected
