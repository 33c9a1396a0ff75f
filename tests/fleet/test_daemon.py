"""--daemon: a real fork, a real pidfile, stale and live pidfiles, SIGTERM handled by the program."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from viblio_pipeline.fleet.procs import process_alive

# A tiny long-running command built on the same pieces as decider/worker/swf-server.
SLEEPER = textwrap.dedent('''
    import logging, signal, threading
    import click
    from viblio_pipeline.fleet.daemon import daemon_options, run_process

    @click.command()
    @daemon_options
    @click.pass_context
    def sleeper(ctx, daemon, pidfile):
        def main(config):
            stopped = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stopped.set())
            logging.getLogger("sleeper").info("sleeping until SIGTERM")
            while not stopped.wait(0.05):
                pass
            logging.getLogger("sleeper").info("SIGTERM received, exiting cleanly")
        run_process(ctx, "sleeper", main, daemon, pidfile)

    sleeper()
''')


class Sleeper:
    def __init__(self, tmp_path: Path) -> None:
        self.script = tmp_path / "sleeper.py"
        self.script.write_text(SLEEPER)
        self.var = tmp_path / "var"
        self.pidfile = self.var / "run" / "sleeper.pid"
        self.log = self.var / "log" / "sleeper.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")}
        self.env.update({"VIBLIO_ENV": "local", "VIBLIO__PATHS__VAR_DIR": str(self.var)})
        self.started: list[int] = []

    def launch(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(self.script), *args], env={**self.env, **env},
                              capture_output=True, text=True, timeout=30, check=False)

    def wait_for_pid(self, not_pid: int | None = None) -> int:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                pid = int(self.pidfile.read_text())
            except (FileNotFoundError, ValueError):
                pid = 0
            if pid and pid != not_pid and process_alive(pid):
                self.started.append(pid)
                return pid
            time.sleep(0.05)
        raise AssertionError(f"no live pid in {self.pidfile}; log: {self.log_text()}")

    def log_events(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else "(no log)"

    def wait_gone(self, pid: int) -> None:
        deadline = time.monotonic() + 15
        while process_alive(pid):
            assert time.monotonic() < deadline, f"pid {pid} still running; log: {self.log_text()}"
            time.sleep(0.05)

    def kill_leftovers(self) -> None:
        for pid in self.started:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[Sleeper]:
    runner = Sleeper(tmp_path)
    try:
        yield runner
    finally:
        runner.kill_leftovers()


@pytest.mark.timeout(60)
def test_daemon_detaches_writes_its_pidfile_logs_after_the_fork_and_stops_on_sigterm(sleeper: Sleeper) -> None:
    launched = sleeper.launch("--daemon")
    assert launched.returncode == 0, launched.stderr
    pid = sleeper.wait_for_pid()
    assert pid != os.getpid()
    assert os.getsid(pid) != os.getsid(0), "the daemon left our session (detached from the terminal)"
    deadline = time.monotonic() + 10
    while not any(e.get("message") == "sleeping until SIGTERM" for e in sleeper.log_events()):
        assert time.monotonic() < deadline, sleeper.log_text()
        time.sleep(0.05)
    event = next(e for e in sleeper.log_events() if e.get("message") == "sleeping until SIGTERM")
    assert event["pid"] == pid and event["role"] == "sleeper"

    os.kill(pid, signal.SIGTERM)
    sleeper.wait_gone(pid)
    assert not sleeper.pidfile.exists(), "a clean exit releases the pidfile"
    assert any(e.get("message") == "SIGTERM received, exiting cleanly" for e in sleeper.log_events())


@pytest.mark.timeout(60)
def test_stale_pidfile_is_replaced_and_reported_in_the_log(sleeper: Sleeper) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert not process_alive(dead.pid)
    sleeper.pidfile.parent.mkdir(parents=True)
    sleeper.pidfile.write_text(f"{dead.pid}\n")

    launched = sleeper.launch("--daemon")
    assert launched.returncode == 0, launched.stderr
    assert f"stale pidfile {sleeper.pidfile}" in launched.stderr
    pid = sleeper.wait_for_pid(not_pid=dead.pid)
    deadline = time.monotonic() + 10
    while not any("stale pidfile" in str(e.get("message")) for e in sleeper.log_events()):
        assert time.monotonic() < deadline, sleeper.log_text()
        time.sleep(0.05)
    warning = next(e for e in sleeper.log_events() if "stale pidfile" in str(e.get("message")))
    assert warning["level"] == "WARNING" and f"pid {dead.pid} is not running" in str(warning["message"])
    os.kill(pid, signal.SIGTERM)
    sleeper.wait_gone(pid)


@pytest.mark.timeout(60)
def test_live_pidfile_refuses_to_start_a_second_copy(sleeper: Sleeper) -> None:
    launched = sleeper.launch("--daemon")
    assert launched.returncode == 0, launched.stderr
    first = sleeper.wait_for_pid()

    second = sleeper.launch("--daemon")
    assert second.returncode != 0
    assert f"already running as pid {first}" in second.stderr
    assert int(sleeper.pidfile.read_text()) == first and process_alive(first)
    os.kill(first, signal.SIGTERM)
    sleeper.wait_gone(first)


@pytest.mark.timeout(60)
def test_bad_config_fails_in_the_terminal_before_forking(sleeper: Sleeper) -> None:
    launched = sleeper.launch("--daemon", VIBLIO__SWF__RETENTION_DAYS="lots")
    assert launched.returncode != 0
    assert "swf.retention_days" in launched.stderr
    assert not sleeper.pidfile.exists()


@pytest.mark.timeout(60)
def test_without_daemon_the_command_stays_in_the_foreground(sleeper: Sleeper) -> None:
    proc = subprocess.Popen([sys.executable, str(sleeper.script)], env=sleeper.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    first_line = proc.stdout.readline()
    assert json.loads(first_line)["message"] == "sleeping until SIGTERM"
    assert json.loads(first_line)["pid"] == proc.pid
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert not sleeper.pidfile.exists()
