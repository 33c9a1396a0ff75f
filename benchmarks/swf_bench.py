"""Benchmark the embedded SWF service (and moto's SWF, side by side) through boto3.

Measures, against a server process on a free loopback port:
  * poll wake-up latency: from the scheduling call returning to the waiting
    poller receiving the task (p50 / p99);
  * throughput: trivial 3-activity workflows (sequential activities, 4
    decision tasks each) completed per second with several decider and worker
    processes;
  * reading a 25,000-event history with GetWorkflowExecutionHistory pages.

Usage: .venv/bin/python benchmarks/swf_bench.py [--server localswf|moto|both]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

REPO = Path(__file__).resolve().parents[1]
WF = {"name": "Bench", "version": "1"}
ACT = {"name": "Step", "version": "1"}
DECIDER_LIST, ACTIVITY_LIST = "bench-decider", "bench-activity"


def client(url: str) -> Any:
    return boto3.client("swf", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench",
                        config=Config(read_timeout=70, retries={"max_attempts": 2}, max_pool_connections=20))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A localswf or moto_server subprocess."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        port = free_port()
        if kind == "localswf":
            cmd = [sys.executable, "-m", "viblio_pipeline.localswf", "--port", str(port),
                   "--db", str(workdir / "bench.sqlite3"), "--poll-timeout", "60"]
        else:
            cmd = [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).read()
                return
            except OSError as exc:
                if isinstance(exc, urllib.error.HTTPError):
                    return
                time.sleep(0.1)
        raise RuntimeError(f"{kind} did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def register(url: str, domain: str) -> str:
    """A fresh domain per measurement, so counts and task lists see only its own work."""
    c = client(url)

    c.register_domain(name=domain, workflowExecutionRetentionPeriodInDays="1")
    c.register_workflow_type(domain=domain, **WF, defaultTaskList={"name": DECIDER_LIST},
                             defaultExecutionStartToCloseTimeout="3600", defaultTaskStartToCloseTimeout="60",
                             defaultChildPolicy="TERMINATE")
    c.register_activity_type(domain=domain, **ACT, defaultTaskList={"name": ACTIVITY_LIST},
                             defaultTaskScheduleToStartTimeout="3600", defaultTaskScheduleToCloseTimeout="3600",
                             defaultTaskStartToCloseTimeout="600", defaultTaskHeartbeatTimeout="NONE")
    return domain


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- wake-up latency ---------------------------------------------------------------------------
def wakeup_latency(url: str, samples: int) -> dict[str, float]:
    """A poller waits on a task list; the main thread schedules a task and notes when its call returned."""
    domain = register(url, "bench-wake")
    poller_client, caller = client(url), client(url)
    got = threading.Event()
    received: list[float] = []
    stop = False

    def poller() -> None:
        try:
            poll_loop()
        except (ClientError, BotoCoreError):
            if not stop:  # the server going away at the end is expected
                raise

    def poll_loop() -> None:
        while not stop:
            task = poller_client.poll_for_decision_task(domain=domain, taskList={"name": "wake"})
            if task.get("taskToken"):
                received.append(time.perf_counter())
                got.set()
                poller_client.respond_decision_task_completed(
                    taskToken=task["taskToken"],
                    decisions=[{"decisionType": "CompleteWorkflowExecution"}])

    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    latencies, from_sent = [], []
    for i in range(samples):
        time.sleep(0.03)  # let the poller get back into its (long) poll
        got.clear()
        sent = time.perf_counter()
        caller.start_workflow_execution(domain=domain, workflowId=f"wake-{i}", workflowType=WF,
                                        taskList={"name": "wake"})
        returned = time.perf_counter()
        if not got.wait(30):
            raise RuntimeError("poller never received the task")
        # The poller often has the task before the caller has parsed its own
        # response: such samples count as 0 from the return.
        latencies.append(max(0.0, received[-1] - returned) * 1000)
        from_sent.append((received[-1] - sent) * 1000)
    stop = True
    return {"p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99),
            "sent_p50_ms": pct(from_sent, 0.5), "sent_p99_ms": pct(from_sent, 0.99)}


# -- throughput --------------------------------------------------------------------------------
def decider_proc(url: str, domain: str, completed: Any) -> None:
    c = client(url)
    while True:
        try:
            decide_once(c, domain, completed)
        except ClientError as exc:  # moto hands a task to several pollers; count only what succeeds
            print(f"decider: {exc}", file=sys.stderr)


def decide_once(c: Any, domain: str, completed: Any) -> None:
    task = c.poll_for_decision_task(domain=domain, taskList={"name": DECIDER_LIST})
    if not task.get("taskToken"):
        return
    events = list(task["events"])
    token = task.get("nextPageToken")
    while token:
        page = c.poll_for_decision_task(domain=domain, taskList={"name": DECIDER_LIST}, nextPageToken=token)
        events.extend(page["events"])
        token = page.get("nextPageToken")
    done = sum(1 for e in events if e["eventType"] == "ActivityTaskCompleted")
    if done >= 3:
        decisions = [{"decisionType": "CompleteWorkflowExecution",
                      "completeWorkflowExecutionDecisionAttributes": {"result": "ok"}}]
    else:
        decisions = [{"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
            "activityType": ACT, "activityId": f"step-{done}", "input": str(done)}}]
    c.respond_decision_task_completed(taskToken=task["taskToken"], decisions=decisions)
    if done >= 3:
        with completed.get_lock():
            completed.value += 1


def worker_proc(url: str, domain: str) -> None:
    c = client(url)
    while True:
        try:
            task = c.poll_for_activity_task(domain=domain, taskList={"name": ACTIVITY_LIST})
            if task.get("taskToken"):
                c.respond_activity_task_completed(taskToken=task["taskToken"], result=task.get("input", ""))
        except ClientError as exc:
            print(f"worker: {exc}", file=sys.stderr)


def throughput(url: str, workflows: int, deciders: int, workers: int) -> dict[str, float]:
    domain = register(url, "bench-throughput")
    ctx = mp.get_context("spawn")
    completed = ctx.Value("i", 0)
    procs = [ctx.Process(target=decider_proc, args=(url, domain, completed), daemon=True) for _ in range(deciders)]
    procs += [ctx.Process(target=worker_proc, args=(url, domain), daemon=True) for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        return measure_throughput(url, domain, workflows, completed, procs)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(timeout=10)


def measure_throughput(url: str, domain: str, workflows: int, completed: Any,
                       procs: list[Any]) -> dict[str, float]:
    c = client(url)
    time.sleep(2.0)  # let the pollers import boto3 and start polling
    began = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: c.start_workflow_execution(domain=domain, workflowId=f"tp-{i}", workflowType=WF),
                      range(workflows)))
    started = time.perf_counter()
    deadline = began + 600
    while completed.value < workflows:  # counted by the deciders: moto has no CountClosedWorkflowExecutions
        if time.perf_counter() > deadline or not any(p.is_alive() for p in procs):
            raise RuntimeError(f"only {completed.value} of {workflows} workflows completed")
        time.sleep(0.02)
    elapsed = time.perf_counter() - began
    return {"workflows": workflows, "seconds": elapsed, "per_second": workflows / elapsed,
            "start_phase_s": started - began}


# -- history read ------------------------------------------------------------------------------
def history_read(url: str, size: int) -> dict[str, float]:
    """Grow one execution to `size` events (marker batches, each closed by a short activity), then read it."""
    domain = register(url, "bench-history")
    c = client(url)
    run = c.start_workflow_execution(domain=domain, workflowId="history", workflowType=WF,
                                     taskList={"name": "hist"})["runId"]
    execution = {"workflowId": "history", "runId": run}
    count, round_no = 2, 0
    while count < size:
        task = c.poll_for_decision_task(domain=domain, taskList={"name": "hist"}, maximumPageSize=1)
        if not task.get("taskToken"):
            continue
        count = task["startedEventId"]
        # A batch: DecisionTaskCompleted + markers + ActivityTaskScheduled, then the activity's
        # Started + Completed and the next DecisionTaskScheduled + Started.
        markers = min(1000, size - count - 6)
        if markers < 0:
            break
        decisions = [{"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": "m"}}] * markers
        decisions.append({"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
            "activityType": ACT, "activityId": f"round-{round_no}", "taskList": {"name": "hist-act"}}})
        c.respond_decision_task_completed(taskToken=task["taskToken"], decisions=decisions)
        round_no += 1
        info = c.describe_workflow_execution(domain=domain, execution=execution)["executionInfo"]
        if info["executionStatus"] != "OPEN":
            break
        while True:
            act = c.poll_for_activity_task(domain=domain, taskList={"name": "hist-act"})
            if act.get("taskToken"):
                c.respond_activity_task_completed(taskToken=act["taskToken"])
                break
        count += markers + 6
    timings = []
    n_events = 0
    for _ in range(3):
        began = time.perf_counter()
        events: list[Any] = []
        token = None
        while True:
            extra = {"nextPageToken": token} if token else {}
            page = c.get_workflow_execution_history(domain=domain, execution=execution, maximumPageSize=1000,
                                                    **extra)
            events.extend(page["events"])
            token = page.get("nextPageToken")
            if not token:
                break
        timings.append(time.perf_counter() - began)
        n_events = len(events)
    raw = []
    for _ in range(3):
        began = time.perf_counter()
        raw_events = raw_history(url, domain, execution)
        raw.append(time.perf_counter() - began)
    assert raw_events == n_events
    return {"events": n_events, "seconds_median": statistics.median(timings),
            "raw_seconds_median": statistics.median(raw)}


def raw_history(url: str, domain: str, execution: dict[str, str]) -> int:
    """The same pages over plain HTTP + json: the server's share, without botocore's parsing."""
    import json

    count, token = 0, None
    while True:
        body: dict[str, Any] = {"domain": domain, "execution": execution, "maximumPageSize": 1000}
        if token:
            body["nextPageToken"] = token
        req = urllib.request.Request(url + "/", data=json.dumps(body).encode(), method="POST", headers={
            "X-Amz-Target": "SimpleWorkflowService.GetWorkflowExecutionHistory",
            "Content-Type": "application/x-amz-json-1.0",
            # moto routes by the credential scope; localswf ignores signatures.
            "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/swf/aws4_request, "
                             "SignedHeaders=host, Signature=0"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            page = json.loads(resp.read())
        count += len(page["events"])
        token = page.get("nextPageToken")
        if not token:
            return count


def run(kind: str, args: argparse.Namespace) -> None:
    """Each measurement on a fresh server; a failing one is reported and the next still runs."""
    phases = [
        ("wake-up", lambda url: wakeup_latency(url, args.wakeups), lambda r: (
            f"after the call returned p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms "
            f"(after it was sent: p50 {r['sent_p50_ms']:.1f} ms p99 {r['sent_p99_ms']:.1f} ms)")),
        ("throughput", lambda url: throughput(url, args.workflows, args.deciders, args.workers), lambda r: (
            f"{r['per_second']:.1f} workflows/s ({r['workflows']} in {r['seconds']:.1f} s), "
            f"server CPU {r['server_cpu_ms_per_workflow']:.1f} ms per workflow")),
        ("history", lambda url: history_read(url, args.history), lambda r: (
            f"{r['events']} events read in {r['seconds_median']:.2f} s with boto3, "
            f"{r['raw_seconds_median']:.2f} s as raw HTTP + json")),
    ]
    for name, measure, show in phases:
        if name not in args.only:
            continue
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(kind, Path(tmp))
            try:
                cpu0 = server.cpu_seconds()
                result = measure(server.url)
                if name == "throughput":
                    result["server_cpu_ms_per_workflow"] = (server.cpu_seconds() - cpu0) * 1000 / args.workflows
                line = show(result)
            except (ClientError, BotoCoreError, RuntimeError, OSError, KeyError, ValueError) as exc:  # moto lacks parts
                line = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            finally:
                server.stop()
        print(f"{kind} {name}: {line}  [load average {load:.1f}]", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["localswf", "moto", "both"], default="both")
    parser.add_argument("--wakeups", type=int, default=200)
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--deciders", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--history", type=int, default=25_000)
    parser.add_argument("--only", nargs="+", default=["wake-up", "throughput", "history"],
                        choices=["wake-up", "throughput", "history"])
    args = parser.parse_args()
    kinds = ["localswf", "moto"] if args.server == "both" else [args.server]
    print(f"# {os.cpu_count()} CPUs; {args.deciders} deciders, {args.workers} workers, "
          f"{args.workflows} workflows, {args.wakeups} wake-ups, {args.history}-event history")
    for kind in kinds:
        run(kind, args)


if __name__ == "__main__":
    main()
