"""Long polling: immediate hand-out, empty polls after the hold, exactly-once among competitors."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from lswf_kit import POLL_TIMEOUT, ServerProcess, Swf, decision, schedule

pytestmark = pytest.mark.timeout(60)


def test_empty_polls_after_the_hold_time(swf: Swf) -> None:
    began = time.monotonic()
    task = swf.poll_decision()
    held = time.monotonic() - began
    assert {k: v for k, v in task.items() if k != "ResponseMetadata"} == {
        "previousStartedEventId": 0, "startedEventId": 0}
    assert POLL_TIMEOUT * 0.9 <= held < POLL_TIMEOUT + 1.0
    act = swf.poll_activity()
    assert {k: v for k, v in act.items() if k != "ResponseMetadata"} == {"startedEventId": 0}


def test_waiting_poller_gets_the_task_at_once(server: ServerProcess, swf: Swf) -> None:
    slow = Swf(server.client(read_timeout=30), swf.domain)
    got: dict[str, Any] = {}

    def poll() -> None:
        got["task"] = slow.poll_decision()
        got["at"] = time.monotonic()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.3)
    sent = time.monotonic()
    swf.start("w")
    poller.join(timeout=10)
    assert got["task"]["startedEventId"] == 3
    assert got["at"] - sent < 0.5


def test_competing_pollers_get_each_task_exactly_once(server: ServerProcess, swf: Swf) -> None:
    n_tasks, n_pollers = 30, 8
    run = swf.start("w")
    swf.decide(swf.poll_decision(), *[schedule(f"a{i}") for i in range(n_tasks)])
    seen: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        client = Swf(server.client(), swf.domain)
        empty = 0
        while empty < 2:
            act = client.poll_activity()
            if not act.get("taskToken"):
                empty += 1
                continue
            with lock:
                seen.append(act["activityId"])
            client.c.respond_activity_task_completed(taskToken=act["taskToken"])

    threads = [threading.Thread(target=worker) for _ in range(n_pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(seen) == sorted(f"a{i}" for i in range(n_tasks))
    started = [e for e in swf.history(run) if e["eventType"] == "ActivityTaskStarted"]
    assert len(started) == n_tasks


def test_competing_decision_pollers(server: ServerProcess, swf: Swf) -> None:
    for i in range(10):
        swf.start(f"w{i}")
    tokens: list[str] = []
    lock = threading.Lock()

    def decider() -> None:
        client = Swf(server.client(), swf.domain)
        while True:
            task = client.poll_decision()
            if not task.get("taskToken"):
                return
            with lock:
                tokens.append(task["workflowExecution"]["workflowId"])
            client.decide(task, decision("CompleteWorkflowExecution"))

    threads = [threading.Thread(target=decider) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(tokens) == sorted(f"w{i}" for i in range(10))


def test_priority_order_and_pending_counts(swf: Swf) -> None:
    swf.start("w")
    swf.decide(swf.poll_decision(), schedule("low", taskPriority="1"), schedule("high", taskPriority="10"),
               schedule("mid", taskPriority="5"))
    pending = swf.c.count_pending_activity_tasks(domain=swf.domain, taskList={"name": swf.activity_list})
    assert (pending["count"], pending["truncated"]) == (3, False)
    order = [swf.poll_activity()["activityId"] for _ in range(3)]
    assert order == ["high", "mid", "low"]
    pending = swf.c.count_pending_activity_tasks(domain=swf.domain, taskList={"name": swf.activity_list})
    assert pending["count"] == 0


def test_a_poller_that_hung_up_does_not_take_the_task(server: ServerProcess, swf: Swf) -> None:
    import json
    import socket

    body = json.dumps({"domain": swf.domain, "taskList": {"name": swf.activity_list}}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SimpleWorkflowService.PollForActivityTask\r\n"
                     b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        time.sleep(0.2)  # the server is now holding this poll; then the client goes away
    time.sleep(0.1)
    run = swf.start("w")
    swf.decide(swf.poll_decision(), schedule("a"))
    act = swf.poll_activity()
    assert act["activityId"] == "a"
    started = [e for e in swf.history(run) if e["eventType"] == "ActivityTaskStarted"]
    assert len(started) == 1 and started[0]["activityTaskStartedEventAttributes"]["identity"] == "worker"
