"""The fleet under a real supervisord, driven over XML-RPC on its unix socket.

Start failures end FATAL with the reason in the log, crashes are restarted,
a stop drains (the task in hand finishes, the process exits 0, SWF does not
retry the task), and `fleet up/status/down` run the local fleet end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from fleetkit import (
    CLI,
    REPO,
    fleet_environ,
    free_port,
    json_lines,
    log_of,
    run_cli,
    short_root,
    small_conf,
    start_supervisord,
    stop_supervisord,
    wait_state,
)

from viblio_pipeline.config import load_config
from viblio_pipeline.fleet.procs import process_alive
from viblio_pipeline.fleet.render import Group, Layout, Program, local_groups, render, shell_join
from viblio_pipeline.fleet.supervisor_client import Supervisor

SLOW_WORKER = Path(__file__).with_name("slow_worker.py")


@dataclass
class Fleet:
    root: Path
    env: dict[str, str]
    supervisor: Supervisor

    @property
    def pidfile(self) -> Path:
        return self.root / "var" / "supervisord.pid"


def layout_for(root: Path, env: dict[str, str]) -> Layout:
    var = PurePosixPath(root / "var")
    (root / "var" / "log").mkdir(parents=True, exist_ok=True)
    passed = {k: v for k, v in env.items() if k.startswith("VIBLIO")}
    return Layout(socket=var / "supervisor.sock", pidfile=var / "supervisord.pid", log_dir=var / "log",
                  directory=PurePosixPath(root), identifier="viblio-test",
                  environment={"PYTHONUNBUFFERED": "1", **passed})


def supervise(root: Path, env: dict[str, str], groups: list[Group]) -> Supervisor:
    layout = layout_for(root, env)
    conf_file = root / "var" / "supervisord.conf"
    conf_file.write_text(render(layout, groups, "test fleet"))
    return start_supervisord(conf_file, env, Path(layout.socket))


@pytest.fixture
def root() -> Iterator[Path]:
    path = short_root()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.timeout(150)
def test_worker_that_cannot_start_ends_fatal_with_the_config_error_in_its_log(root: Path) -> None:
    env = fleet_environ(root, REPO / "conf", free_port(), VIBLIO__SWF__RETENTION_DAYS="lots")
    # startsecs must outlast a failing start (seconds on a busy machine), or a failure that
    # comes later counts as a crash and is restarted forever instead of ending FATAL.
    worker = Program("transcode", shell_join([*CLI, "--env", "local", "worker", "transcode"]), processes=1,
                     priority=200, startsecs=15, stopwaitsecs=10, startretries=2)
    supervisor = supervise(root, env, [Group("pipeline", [worker])])
    try:
        info = wait_state(supervisor, "pipeline:transcode_00", {"FATAL"}, seconds=100)
        assert info.state == "FATAL"
        log = supervisor.tail("pipeline:transcode_00")
        assert "error: config:" in log and "swf.retention_days" in log and "'lots'" in log
        assert log.count("error: config:") == 3, "one try plus startretries=2 retries, then FATAL"
    finally:
        stop_supervisord(supervisor, root / "var" / "supervisord.pid")


# --- the local fleet, as `fleet up` runs it --------------------------------------------------


def fleet_up(root: Path, programs: dict[str, int]) -> Fleet:
    env = fleet_environ(root, small_conf(root, programs), free_port())
    result = run_cli(env, "fleet", "up", "--timeout", "60")
    supervisor = Supervisor(root / "var" / "supervisor.sock")
    fleet = Fleet(root, env, supervisor)
    if result.returncode != 0:
        stop_supervisord(supervisor, fleet.pidfile)
        raise AssertionError(f"fleet up failed:\n{result.stdout}\n{result.stderr}")
    return fleet


def wait_for_log_line(fleet: Fleet, process: str, fragment: str, count: int = 1, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while sum(fragment in str(e.get("message")) for e in json_lines(log_of(fleet.root, process))) < count:
        assert time.monotonic() < deadline, f"{fragment!r} x{count} not in {process} log:\n" + log_of(
            fleet.root, process)[-2000:]
        time.sleep(0.1)


@pytest.fixture(scope="module")
def local_fleet() -> Iterator[Fleet]:
    root = short_root()
    fleet = fleet_up(root, {"decider": 1, "transcode": 1})
    try:
        yield fleet
    finally:
        stop_supervisord(fleet.supervisor, fleet.pidfile)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(120)
def test_fleet_up_runs_the_swf_service_registers_then_runs_every_program(local_fleet: Fleet) -> None:
    states = {p.full_name: (p.state, p.exitstatus) for p in local_fleet.supervisor.processes()}
    assert states == {
        "swf:swf-server_00": ("RUNNING", 0),
        "swf:register_00": ("EXITED", 0),
        "pipeline:decider_00": ("RUNNING", 0),
        "pipeline:transcode_00": ("RUNNING", 0),
    }
    assert "registered: domain Viblio" in log_of(local_fleet.root, "register_00")
    socket_mode = (local_fleet.root / "var" / "supervisor.sock").stat().st_mode & 0o777
    assert socket_mode == 0o700


@pytest.mark.timeout(120)
def test_fleet_status_shows_each_process_and_each_task_list_backlog(local_fleet: Fleet) -> None:
    result = run_cli(local_fleet.env, "fleet", "status", timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["pipeline:transcode_00", "RUNNING"] for line in lines), result.stdout
    assert any(line.split()[:2] == ["swf:swf-server_00", "RUNNING"] for line in lines), result.stdout
    assert ["decider-local", "0"] in [line.split() for line in lines]
    assert ["transcode-local", "0"] in [line.split() for line in lines]


@pytest.mark.timeout(120)
def test_crashed_worker_is_restarted_by_supervisord(local_fleet: Fleet) -> None:
    supervisor = local_fleet.supervisor
    before = wait_state(supervisor, "pipeline:transcode_00", {"RUNNING"})
    wait_for_log_line(local_fleet, "transcode_00", "worker transcode polling")
    polling_lines = sum("worker transcode polling" in str(e.get("message"))
                        for e in json_lines(log_of(local_fleet.root, "transcode_00")))
    os.kill(before.pid, signal.SIGKILL)
    after = wait_state(supervisor, "pipeline:transcode_00", {"RUNNING"}, not_pid=before.pid)
    assert after.pid != before.pid and not process_alive(before.pid)
    wait_for_log_line(local_fleet, "transcode_00", "worker transcode polling", count=polling_lines + 1)


@pytest.mark.timeout(120)
def test_fleet_down_drains_every_program_then_shuts_supervisord_down(root: Path) -> None:
    fleet = fleet_up(root, {"decider": 1})
    try:
        wait_for_log_line(fleet, "decider_00", "decider polling")
        supervisord_pid = fleet.supervisor.pid()
        result = run_cli(fleet.env, "fleet", "down", timeout=60)
        assert result.returncode == 0, result.stderr
        assert "pipeline:decider_00: STOPPED (exit status 0)" in result.stdout
        assert "swf:swf-server_00: STOPPED (exit status 0)" in result.stdout
        assert not process_alive(supervisord_pid)
        stopped = [e for e in json_lines(log_of(root, "decider_00")) if "SIGTERM" in str(e.get("message"))]
        assert stopped, "the decider was asked to stop with SIGTERM and said so"
        again = run_cli(fleet.env, "fleet", "status", timeout=60)
        assert again.returncode != 0 and "fleet up" in again.stderr
    finally:
        stop_supervisord(fleet.supervisor, fleet.pidfile)


# --- drain: a stop while a task is in hand ----------------------------------------------------


def swf_client(endpoint: str) -> Any:
    return boto3.client("swf", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local",
                        aws_secret_access_key="local", config=BotoConfig(read_timeout=30))


def history(client: Any, domain: str, workflow_id: str) -> list[dict[str, Any]]:
    execution = client.list_open_workflow_executions(
        domain=domain, startTimeFilter={"oldestDate": 0}, executionFilter={"workflowId": workflow_id})
    infos = execution["executionInfos"] or client.list_closed_workflow_executions(
        domain=domain, startTimeFilter={"oldestDate": 0},
        executionFilter={"workflowId": workflow_id})["executionInfos"]
    events: list[dict[str, Any]] = []
    args: dict[str, Any] = {"domain": domain, "execution": infos[0]["execution"]}
    while True:
        page = client.get_workflow_execution_history(**args)
        events.extend(page["events"])
        if not page.get("nextPageToken"):
            return events
        args["nextPageToken"] = page["nextPageToken"]


@pytest.mark.timeout(150)
def test_stopping_a_worker_mid_task_lets_it_finish_exit_0_and_the_task_is_not_retried(root: Path) -> None:
    port = free_port()
    conf = small_conf(root, {"decider": 1})
    env = fleet_environ(root, conf, port)
    marks = root / "marks"
    marks.mkdir()
    config = load_config("local", conf, environ=env)
    cli_prefix = shell_join([*CLI, "--env", "local"])
    slow = Program("upload", shell_join([sys.executable, str(SLOW_WORKER), "upload", "4", str(marks)]),
                   processes=1, priority=200, startsecs=1, stopwaitsecs=60, autostart=False)
    supervisor = supervise(root, env, [*local_groups(config.settings, cli_prefix), Group("slow", [slow])])
    try:
        wait_state(supervisor, "swf:swf-server_00", {"RUNNING"})
        assert supervisor.start("swf:register_00").ok
        wait_state(supervisor, "swf:register_00", {"EXITED"})
        assert supervisor.process("swf:register_00").exitstatus == 0, supervisor.tail("swf:register_00")
        assert all(r.ok for r in supervisor.start_group("pipeline"))
        assert all(r.ok for r in supervisor.start_group("slow"))

        media_uuid = uuid.uuid4().hex
        started = run_cli(env, "start", "--media-uuid", media_uuid, "--user-uuid", "user-1",
                          "--input", json.dumps({"popeye_host": socket.gethostname()}), timeout=60)
        assert started.returncode == 0, started.stderr
        workflow_id = started.stdout.split()[1]
        deadline = time.monotonic() + 60
        while not (marks / "upload-1.started").exists():
            assert time.monotonic() < deadline, supervisor.tail("slow:upload_00") + supervisor.tail(
                "pipeline:decider_00")
            time.sleep(0.05)

        stop = supervisor.stop("slow:upload_00", wait=True)  # returns once the process has exited
        assert stop.ok, stop.description
        info = supervisor.process("slow:upload_00")
        assert (info.state, info.exitstatus) == ("STOPPED", 0), supervisor.tail("slow:upload_00")
        assert (marks / "upload-1.finished").exists(), "the task in hand ran to its end"

        client = swf_client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:  # wait for the decider to act on the completion
            events = history(client, "Viblio", workflow_id)
            types = [e["eventType"] for e in events]
            completed_at = types.index("ActivityTaskCompleted") if "ActivityTaskCompleted" in types else None
            if completed_at is not None and "DecisionTaskCompleted" in types[completed_at:]:
                break
            assert time.monotonic() < deadline, types
            time.sleep(0.2)
        scheduled = [e["activityTaskScheduledEventAttributes"] for e in events
                     if e["eventType"] == "ActivityTaskScheduled"]
        assert [s["activityType"]["name"] for s in scheduled].count("upload") == 1, "upload was not retried"
        assert not [e for e in events if e["eventType"] in ("ActivityTaskFailed", "ActivityTaskTimedOut")]
    finally:
        stop_supervisord(supervisor, root / "var" / "supervisord.pid")


@pytest.mark.timeout(150)
def test_fleet_up_names_the_program_that_failed_with_the_end_of_its_log(root: Path) -> None:
    port = free_port()
    env = fleet_environ(root, small_conf(root, {"decider": 1}), port,
                        VIBLIO__FLEET__STARTSECS="15")  # so the failing start ends FATAL, not RUNNING
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))  # bound, not listening: the SWF service cannot have the port
    try:
        result = run_cli(env, "fleet", "up", "--timeout", "90")
        assert result.returncode != 0
        assert "swf:swf-server_00: FATAL" in result.stderr, result.stderr
        assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.stderr
    finally:
        squatter.close()
        stop_supervisord(Supervisor(root / "var" / "supervisor.sock"), root / "var" / "supervisord.pid")
