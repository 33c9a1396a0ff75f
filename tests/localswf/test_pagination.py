"""Pagination of histories (including decision tasks) and of every list call."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lswf_kit import Swf, decision

pytestmark = pytest.mark.timeout(60)


def markers(n: int) -> list[dict[str, Any]]:
    return [decision("RecordMarker", markerName=f"m{i}") for i in range(n)]


def test_history_pages_forward_and_reverse(swf: Swf) -> None:
    run = swf.start("w")
    swf.decide(swf.poll_decision(), *markers(20))  # 24 events in all
    full = swf.history(run)
    assert [e["eventId"] for e in full] == list(range(1, 25))
    page = swf.c.get_workflow_execution_history(domain=swf.domain, execution=run, maximumPageSize=10)
    assert [e["eventId"] for e in page["events"]] == list(range(1, 11)) and page["nextPageToken"]
    assert [e["eventId"] for e in swf.history(run, maximumPageSize=7)] == list(range(1, 25))
    assert [e["eventId"] for e in swf.history(run, maximumPageSize=5, reverseOrder=True)] == list(range(24, 0, -1))
    last = swf.c.get_workflow_execution_history(domain=swf.domain, execution=run, maximumPageSize=24)
    assert "nextPageToken" not in last
    with pytest.raises(ClientError) as exc:
        swf.c.get_workflow_execution_history(domain=swf.domain, execution=run, maximumPageSize=1001)
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_decision_task_pages(swf: Swf) -> None:
    swf.start("w")
    swf.decide(swf.poll_decision(), *markers(10))
    swf.c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="s")
    first = swf.poll_decision(maximumPageSize=4)
    events = list(first["events"])
    token = first.get("nextPageToken")
    while token:
        page = swf.poll_decision(maximumPageSize=4, nextPageToken=token)
        assert page["taskToken"] == first["taskToken"] and page["startedEventId"] == first["startedEventId"]
        events.extend(page["events"])
        token = page.get("nextPageToken")
    assert [e["eventId"] for e in events] == list(range(1, first["startedEventId"] + 1))
    assert first["previousStartedEventId"] == 3
    assert swf.poll_decision()["startedEventId"] == 0  # page polls never start another task
    swf.decide(first, decision("CompleteWorkflowExecution"))


def test_start_at_previous_started_event(swf: Swf) -> None:
    swf.start("w")
    swf.decide(swf.poll_decision(), *markers(5))
    swf.c.signal_workflow_execution(domain=swf.domain, workflowId="w", signalName="s")
    task = swf.poll_decision(startAtPreviousStartedEvent=True)
    assert task["events"][0]["eventId"] == 3 == task["previousStartedEventId"]
    swf.decide(task)


def test_list_pagination(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    for i in range(7):
        swf.start(f"w{i}")
        time.sleep(0.002)
    found: list[str] = []
    token = None
    while True:
        extra = {"nextPageToken": token} if token else {}
        page = c.list_open_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0}, maximumPageSize=3, **extra)
        assert len(page["executionInfos"]) <= 3
        found.extend(e["execution"]["workflowId"] for e in page["executionInfos"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert found == [f"w{i}" for i in reversed(range(7))]  # newest first
    oldest = c.list_open_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0}, reverseOrder=True,
                                             maximumPageSize=2)["executionInfos"]
    assert [e["execution"]["workflowId"] for e in oldest] == ["w0", "w1"]
    assert c.count_open_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0})["count"] == 7
    only = c.list_open_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0},
                                           executionFilter={"workflowId": "w3"})["executionInfos"]
    assert [e["execution"]["workflowId"] for e in only] == ["w3"]
    for i in range(7):
        c.terminate_workflow_execution(domain=d, workflowId=f"w{i}")
    closed = c.list_closed_workflow_executions(domain=d, closeTimeFilter={"oldestDate": 0},
                                               closeStatusFilter={"status": "TERMINATED"}, maximumPageSize=4)
    assert len(closed["executionInfos"]) == 4 and closed["nextPageToken"]
    for i in range(5):
        c.register_activity_type(domain=d, name=f"T{i}", version="1")
    names: list[str] = []
    token = None
    while True:
        extra = {"nextPageToken": token} if token else {}
        page = c.list_activity_types(domain=d, registrationStatus="REGISTERED", maximumPageSize=2, **extra)
        names.extend(t["activityType"]["name"] for t in page["typeInfos"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert names == ["A", "T0", "T1", "T2", "T3", "T4"]


def test_list_domains_pages(client: Any) -> None:
    prefix = "pg" + uuid.uuid4().hex[:6]
    for i in range(3):
        client.register_domain(name=f"{prefix}-{i}", workflowExecutionRetentionPeriodInDays="1")
    names: list[str] = []
    token = None
    while True:
        extra = {"nextPageToken": token} if token else {}
        page = client.list_domains(registrationStatus="REGISTERED", maximumPageSize=2, **extra)
        names.extend(d["name"] for d in page["domainInfos"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert names == sorted(names) and {f"{prefix}-{i}" for i in range(3)} <= set(names)
    rev = client.list_domains(registrationStatus="REGISTERED", reverseOrder=True)["domainInfos"]
    assert [d["name"] for d in rev] == sorted(names, reverse=True)
