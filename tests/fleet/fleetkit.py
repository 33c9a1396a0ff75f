"""Helpers for tests that run a real supervisord (and the real fleet) in a private root."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from viblio_pipeline.fleet.procs import process_alive
from viblio_pipeline.fleet.supervisor_client import ProcessInfo, Supervisor

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "viblio_pipeline"]
SUPERVISORD = Path(sys.executable).parent / "supervisord"


def short_root() -> Path:
    """A private root with a short path: unix socket paths are limited to ~100 characters."""
    return Path(tempfile.mkdtemp(prefix="vf", dir="/tmp"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def small_conf(root: Path, programs: dict[str, int]) -> Path:
    """A copy of conf/ whose local fleet is one `pipeline` role with just these programs."""
    conf = root / "conf"
    shutil.copytree(REPO / "conf", conf)
    for name in ("base.yaml", "local.yaml"):
        data = yaml.safe_load((conf / name).read_text())
        data["fleet"]["roles"] = {"pipeline": {"hosts": ["localhost"], "programs": {
            program: {"processes": count} for program, count in programs.items()}}}
        (conf / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return conf


def fleet_environ(root: Path, conf: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a local fleet living entirely under root, its SWF service on port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")}
    env.update({
        "VIBLIO_ENV": "local",
        "VIBLIO_CONF_DIR": str(conf),
        "VIBLIO__PATHS__ROOT": str(root),
        "VIBLIO__SWF__ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "VIBLIO__SWF__LOCAL_SERVER__PORT": str(port),
        "VIBLIO__SWF__LOCAL_SERVER__POLL_TIMEOUT": "1",  # idle workers drain within a second
        "VIBLIO__FLEET__STARTSECS": "1",
        **extra,
    })
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def wait_state(supervisor: Supervisor, full_name: str, states: set[str], seconds: float = 30,
               not_pid: int | None = None) -> ProcessInfo:
    deadline = time.monotonic() + seconds
    while True:
        info = supervisor.process(full_name)
        if info.state in states and (not_pid is None or info.pid != not_pid):
            return info
        assert time.monotonic() < deadline, (
            f"{full_name} is {info.state}, expected {states}; log:\n{supervisor.tail(full_name)}")
        time.sleep(0.1)


def start_supervisord(conf_file: Path, env: dict[str, str], socket_path: Path) -> Supervisor:
    started = subprocess.run([str(SUPERVISORD), "-c", str(conf_file)], env=env, capture_output=True,
                             text=True, timeout=30, check=False)
    assert started.returncode == 0, started.stderr
    supervisor = Supervisor(socket_path)
    deadline = time.monotonic() + 15
    while not supervisor.is_running():
        assert time.monotonic() < deadline, f"supervisord does not answer on {socket_path}"
        time.sleep(0.05)
    return supervisor


def stop_supervisord(supervisor: Supervisor, pidfile: Path) -> None:
    """Teardown: ask supervisord to shut down; kill what is left after a bound."""
    pid = int(pidfile.read_text()) if pidfile.exists() else None
    children = [p.pid for p in _quiet_processes(supervisor) if p.pid]
    try:
        supervisor.shutdown()
    except Exception:  # noqa: BLE001 - already gone is fine
        pass
    deadline = time.monotonic() + 20
    for target in [pid, *children]:
        while target and process_alive(target) and time.monotonic() < deadline:
            time.sleep(0.05)
    for target in [*children, pid]:
        if target and process_alive(target):
            os.kill(target, signal.SIGKILL)


def _quiet_processes(supervisor: Supervisor) -> list[ProcessInfo]:
    try:
        return supervisor.processes()
    except Exception:  # noqa: BLE001 - teardown must not fail on a dead supervisord
        return []


def log_of(root: Path, process: str) -> str:
    path = root / "var" / "log" / f"{process}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def json_lines(text: str) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
