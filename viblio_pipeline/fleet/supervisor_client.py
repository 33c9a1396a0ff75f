"""A small typed client for supervisord's XML-RPC interface over its unix socket."""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import Faults, SupervisorTransport

# Results of a start/stop that mean "already where you wanted it".
_HARMLESS = {Faults.SUCCESS, Faults.ALREADY_STARTED, Faults.NOT_RUNNING}


class SupervisorUnavailable(Exception):
    """Nothing answers on the socket: supervisord is not running (or not ours)."""


@dataclass(frozen=True)
class ProcessInfo:
    group: str
    name: str
    state: str
    pid: int
    exitstatus: int
    description: str
    spawnerr: str

    @property
    def full_name(self) -> str:
        return f"{self.group}:{self.name}"

    @classmethod
    def from_rpc(cls, raw: dict[str, Any]) -> ProcessInfo:
        return cls(group=str(raw["group"]), name=str(raw["name"]), state=str(raw["statename"]),
                   pid=int(raw["pid"]), exitstatus=int(raw["exitstatus"]),
                   description=str(raw["description"]), spawnerr=str(raw.get("spawnerr", "")))


@dataclass(frozen=True)
class CallResult:
    """The outcome of starting or stopping one process within a group call."""

    full_name: str
    ok: bool
    description: str


class Supervisor:
    """One supervisord, reached through its unix socket."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self._transport = SupervisorTransport(None, None, f"unix://{socket}")
        # The host part is ignored by the unix transport.
        self._proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=self._transport)

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._proxy.supervisor, method)(*args)
        except xmlrpc.client.Fault:
            raise
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            self._transport.close()  # a half-used connection cannot send the next request
            raise SupervisorUnavailable(f"no supervisord answers on {self.socket} ({exc.strerror})") from None
        except BaseException:
            self._transport.close()
            raise

    def state(self) -> str:
        return str(self._call("getState")["statename"])

    def is_running(self) -> bool:
        try:
            return self.state() == "RUNNING"
        except SupervisorUnavailable:
            return False

    def pid(self) -> int:
        return int(self._call("getPID"))

    def processes(self) -> list[ProcessInfo]:
        return [ProcessInfo.from_rpc(raw) for raw in self._call("getAllProcessInfo")]

    def process(self, full_name: str) -> ProcessInfo:
        return ProcessInfo.from_rpc(self._call("getProcessInfo", full_name))

    def start(self, full_name: str, wait: bool = True) -> CallResult:
        """Start one process; with wait, returns once it passed startsecs (or failed)."""
        return self._one("startProcess", full_name, wait, "started")

    def start_group(self, group: str, wait: bool = True) -> list[CallResult]:
        return _results(self._call("startProcessGroup", group, wait))

    def stop(self, full_name: str, wait: bool = True) -> CallResult:
        """Stop one process (stopsignal, then SIGKILL after stopwaitsecs)."""
        return self._one("stopProcess", full_name, wait, "stopped")

    def _one(self, method: str, full_name: str, wait: bool, done: str) -> CallResult:
        """A start/stop of one process; 'already started/stopped' counts as success."""
        try:
            self._call(method, full_name, wait)
        except xmlrpc.client.Fault as fault:
            return CallResult(full_name, fault.faultCode in _HARMLESS, fault.faultString)
        return CallResult(full_name, True, done)

    def stop_group(self, group: str, wait: bool = True) -> list[CallResult]:
        """Stop a group's processes together (each drains up to its stopwaitsecs)."""
        return _results(self._call("stopProcessGroup", group, wait))

    def tail(self, full_name: str, length: int = 2000) -> str:
        """The end of a process's log (stdout and stderr are merged)."""
        try:
            text, _offset, _overflow = self._call("tailProcessStdoutLog", full_name, 0, length)
        except xmlrpc.client.Fault as fault:
            return f"(no log: {fault.faultString})"
        return str(text)

    def shutdown(self) -> None:
        self._call("shutdown")


def _results(raw: list[dict[str, Any]]) -> list[CallResult]:
    return [CallResult(f"{item['group']}:{item['name']}", int(item["status"]) in _HARMLESS,
                       str(item["description"])) for item in raw]
