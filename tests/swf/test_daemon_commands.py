"""The long-running commands detach with --daemon on hosts without supervisord."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def wait_until(check: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline
        time.sleep(0.1)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_swf_server_daemon_writes_its_pidfile_serves_and_stops_on_sigterm(
        local_env: dict[str, str], tmp_path: Path, free_port: int) -> None:
    pidfile = tmp_path / "swf.pid"
    started = cli(local_env, "swf-server", "--daemon", "--pidfile", str(pidfile))
    assert started.returncode == 0, started.stderr
    assert "running in the background" in started.stderr
    wait_until(lambda: pidfile.exists() and listening(free_port))
    pid = int(pidfile.read_text())
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not alive(pid))
    assert not pidfile.exists()


def test_a_second_daemon_with_a_live_pidfile_refuses_to_start(local_env: dict[str, str], tmp_path: Path,
                                                              free_port: int) -> None:
    pidfile = tmp_path / "swf.pid"
    assert cli(local_env, "swf-server", "--daemon", "--pidfile", str(pidfile)).returncode == 0
    wait_until(lambda: pidfile.exists() and listening(free_port))
    pid = int(pidfile.read_text())
    try:
        again = cli(local_env, "swf-server", "--daemon", "--pidfile", str(pidfile))
        assert again.returncode == 1 and f"already running as pid {pid}" in again.stderr
    finally:
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not alive(pid))


@pytest.mark.parametrize("command", [["decider"], ["worker", "transcode"]])
def test_decider_and_workers_offer_daemon_mode(local_env: dict[str, str], command: list[str]) -> None:
    shown = cli(local_env, *command, "--help")
    assert "--daemon" in shown.stdout and "--pidfile" in shown.stdout
