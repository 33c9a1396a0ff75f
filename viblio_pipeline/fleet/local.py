"""The local fleet: a real supervisord with every program of the local environment.

`up` starts supervisord and then the programs in dependency order (the SWF
service, registration, the roles), so no worker polls a service that is not
listening yet; `down` drains and shuts supervisord down. All state lives in
var/: the generated config, socket, pidfile and logs.
"""

from __future__ import annotations

import socket as socketlib
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from viblio_pipeline.config import Config
from viblio_pipeline.fleet.procs import process_alive
from viblio_pipeline.fleet.render import local_layout, render_local, shell_join
from viblio_pipeline.fleet.supervisor_client import CallResult, ProcessInfo, Supervisor

Echo = Callable[[str], None]
SWF_SERVER = "swf:swf-server_00"
REGISTER = "swf:register_00"
GAVE_UP = {"FATAL", "EXITED", "STOPPED", "UNKNOWN"}  # BACKOFF still retries


class FleetError(Exception):
    """The fleet did not come up (or down) as asked; the message says what and why."""


@dataclass(frozen=True)
class Failure:
    full_name: str
    reason: str
    log_tail: str

    def describe(self) -> str:
        tail = "\n".join("    " + line for line in self.log_tail.strip().splitlines()[-15:])
        return f"{self.full_name}: {self.reason}\n  last lines of its log:\n{tail or '    (empty)'}"


def default_cli() -> list[str]:
    """How supervisord runs viblio-pipeline here: this interpreter, this package."""
    return [sys.executable, "-m", "viblio_pipeline"]


def default_supervisord() -> Path:
    return Path(sys.executable).parent / "supervisord"


class LocalFleet:
    def __init__(self, config: Config, cli: Sequence[str] | None = None,
                 supervisord: Path | None = None, echo: Echo = print) -> None:
        self.config = config
        self.cli = list(cli or default_cli())
        self.supervisord = supervisord or default_supervisord()
        self.layout = local_layout(config)
        self.conf_path = Path(config.var_dir) / "supervisord.conf"
        self.supervisor = Supervisor(Path(self.layout.socket))
        self.echo = echo

    @property
    def embedded_swf(self) -> bool:
        return self.config.settings.swf.endpoint_url is not None

    # --- up -------------------------------------------------------------

    def up(self, timeout: float = 60.0) -> list[ProcessInfo]:
        """Start supervisord and every program; raise FleetError naming what failed."""
        deadline = time.monotonic() + timeout
        if self.supervisor.is_running():
            self.echo(f"supervisord already running (pid {self.supervisor.pid()}); starting what is stopped. "
                      "Run `fleet down` first to apply config changes.")
        else:
            self._start_supervisord(deadline)
        if self.embedded_swf:
            self._wait_running(SWF_SERVER, deadline)
            self._wait_listening(deadline)
        self._register(deadline)
        failures: list[Failure] = []
        for role, spec in self.config.settings.fleet.roles.items():
            self.echo(f"starting {role}: {', '.join(spec.programs)}")
            failures += self._failures(self.supervisor.start_group(role, wait=True))
        failures += [self._failure(info.full_name, info.state) for info in self.supervisor.processes()
                     if info.full_name != REGISTER and info.state != "RUNNING"
                     and info.full_name not in {f.full_name for f in failures}]
        if failures:
            raise FleetError("some programs did not start:\n" + "\n".join(f.describe() for f in failures))
        return self.supervisor.processes()

    def _start_supervisord(self, deadline: float) -> None:
        var = Path(self.config.var_dir)
        Path(self.layout.log_dir).mkdir(parents=True, exist_ok=True)
        var.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(render_local(self.config, self.cli), encoding="utf-8")
        self.echo(f"starting supervisord -c {self.conf_path}")
        started = subprocess.run([str(self.supervisord), "-c", str(self.conf_path)], capture_output=True,
                                 text=True, timeout=30, check=False)
        if started.returncode != 0:
            raise FleetError(f"supervisord did not start (exit {started.returncode}): "
                             f"{(started.stderr or started.stdout).strip()}")
        while not self.supervisor.is_running():
            if time.monotonic() > deadline:
                raise FleetError(f"supervisord started but does not answer on {self.layout.socket}; "
                                 f"see {self.layout.log_dir}/supervisord.log")
            time.sleep(0.1)

    def _wait_running(self, full_name: str, deadline: float) -> None:
        while True:
            info = self.supervisor.process(full_name)
            if info.state == "RUNNING":
                return
            if info.state in GAVE_UP or time.monotonic() > deadline:
                raise FleetError(self._failure(full_name, info.state).describe())
            time.sleep(0.2)

    def _wait_listening(self, deadline: float) -> None:
        """The SWF service counts as up once its endpoint accepts connections."""
        url = urlsplit(self.config.settings.swf.endpoint_url or "")
        host, port = url.hostname or "127.0.0.1", url.port or 80
        while True:
            with socketlib.socket() as sock:
                sock.settimeout(1)
                if sock.connect_ex((host, port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise FleetError(self._failure(SWF_SERVER, f"not listening on {host}:{port}").describe())
            time.sleep(0.1)

    def _register(self, deadline: float) -> None:
        self.echo("registering the SWF domain and types")
        self.supervisor.start(REGISTER, wait=True)
        while True:
            info = self.supervisor.process(REGISTER)
            if info.state == "EXITED" and info.exitstatus == 0:
                return
            if info.state in ("EXITED", "FATAL", "BACKOFF") or time.monotonic() > deadline:
                reason = f"{info.state} (exit status {info.exitstatus})"
                raise FleetError(self._failure(REGISTER, reason).describe())
            time.sleep(0.1)

    def _failures(self, results: list[CallResult]) -> list[Failure]:
        return [self._failure(r.full_name, r.description) for r in results if not r.ok]

    def _failure(self, full_name: str, reason: str) -> Failure:
        return Failure(full_name, reason, self.supervisor.tail(full_name))

    # --- down -----------------------------------------------------------

    def down(self, timeout: float = 60.0) -> list[ProcessInfo]:
        """Drain the roles (each task in hand finishes), then the SWF service, then supervisord.

        The roles stop first so that a draining worker can still answer the
        SWF service; supervisord's own stopAllProcesses would stop the
        service first (ascending priority).
        """
        if not self.supervisor.is_running():
            self.echo(f"fleet is not up (nothing answers on {self.layout.socket})")
            return []
        pid = self.supervisor.pid()
        roles = list(self.config.settings.fleet.roles)
        for role in roles:
            self.supervisor.stop_group(role, wait=False)
        self._wait_drained(set(roles))
        self.supervisor.stop_group("swf", wait=True)
        final = self.supervisor.processes()
        for info in final:
            self.echo(f"  {info.full_name}: {info.state} (exit status {info.exitstatus})")
        self.supervisor.shutdown()
        deadline = time.monotonic() + timeout
        while process_alive(pid):
            if time.monotonic() > deadline:
                raise FleetError(f"supervisord (pid {pid}) is still running {timeout:.0f} s after shutdown")
            time.sleep(0.1)
        self.echo(f"supervisord (pid {pid}) has shut down")
        return final

    def _wait_drained(self, groups: set[str]) -> None:
        """No deadline of our own: supervisord SIGKILLs whatever outlives its stopwaitsecs."""
        announced = 0.0
        while True:
            busy = [p.full_name for p in self.supervisor.processes()
                    if p.group in groups and p.state in ("STOPPING", "RUNNING", "STARTING", "BACKOFF")]
            if not busy:
                return
            if time.monotonic() - announced > 10:
                self.echo(f"draining: waiting for {', '.join(busy)} to finish the task in hand "
                          "(or their current long poll)")
                announced = time.monotonic()
            time.sleep(0.2)

    # --- status ---------------------------------------------------------

    def status(self) -> list[ProcessInfo]:
        return self.supervisor.processes()

    def describe_command(self) -> str:
        return shell_join([str(self.supervisord), "-c", str(self.conf_path)])
