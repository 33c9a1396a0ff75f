"""supervisord configuration, rendered from Settings (pure: no I/O).

Two shapes share one renderer: a deployed host runs one role (`popeye` or
`pipeline`) under /srv/viblio, and a developer's machine runs the whole local
fleet (embedded SWF service, registration, every role) with its state in var/.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from viblio_pipeline.config import Config
from viblio_pipeline.config.schema import Settings

# Stages whose handlers spawn ffmpeg get stopasgroup/killasgroup, so that no
# helper process outlives its worker. ffmpeg itself runs in a session of its
# own (media/ffmpeg.py), so the group's TERM does not abort the encode a
# draining worker is finishing; if the worker dies, the kernel kills ffmpeg
# (parent-death signal).
SPAWNS_FFMPEG = frozenset({"transcode", "previews", "detect_faces"})

# Where the deployment (deploy/) puts things, relative to fleet.root.
RELEASE_CLI = "current/venv/bin/viblio-pipeline"
ENV_WRAPPER = "bin/with-env"
CONF_DIR = "conf"

# A stop can arrive just as a long poll starts: the worker waits for the poll to
# return (SWF holds it up to 60 s; abandoning it could lose a task handed to it),
# and the poll may bring a task that must then run to its end.
LONG_POLL_SECONDS = 60

PRIORITY_SWF_SERVER = 10
PRIORITY_REGISTER = 20
PRIORITY_DECIDER = 100
PRIORITY_WORKER = 200
SERVICE_STOPWAITSECS = 30


class RenderError(ValueError):
    """The config cannot be turned into a supervisord file; says which key to fix."""


@dataclass(frozen=True)
class Program:
    """One [program:x] section: a command run as `processes` copies."""

    name: str
    command: str
    processes: int
    priority: int
    startsecs: int
    stopwaitsecs: int
    kill_as_group: bool = False
    autostart: bool = True
    autorestart: str = "true"
    startretries: int = 3


@dataclass(frozen=True)
class Layout:
    """Where one supervisord keeps its socket, pidfile and logs, and how it runs commands."""

    socket: PurePosixPath
    pidfile: PurePosixPath
    log_dir: PurePosixPath
    directory: PurePosixPath
    identifier: str
    socket_owner: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    log_maxbytes: str = "50MB"
    log_backups: int = 10


@dataclass(frozen=True)
class Group:
    """A [group:x]: supervisord starts groups by ascending priority and stops them in reverse."""

    name: str
    programs: Sequence[Program]
    priority: int = PRIORITY_DECIDER


def longest_task_seconds(settings: Settings, program: str) -> int | None:
    """How long one task of this program may legitimately run (None: unbounded).

    A stage retried after a timeout gets a longer start_to_close (its
    timeout_multipliers), so the longest task is the largest multiplier that
    retries_on_timeout can reach. Manual timeouts are left out on purpose:
    a task waiting for human review is parked in SWF, not running in a worker.
    """
    if program == "decider":
        return settings.swf.workflow.task_start_to_close
    stage = settings.stages[program]
    start_to_close = stage.timeouts.start_to_close
    if start_to_close == "NONE":
        return None
    reachable = stage.timeout_multipliers[: stage.retries_on_timeout + 1]
    return math.ceil(start_to_close * max(reachable))


def stopwaitsecs_for(settings: Settings, role: str, program: str) -> int:
    """The drain allowance: a long poll, the longest task and a margin, unless config sets it."""
    explicit = settings.fleet.roles[role].programs[program].stopwaitsecs
    if explicit is not None:
        return explicit
    longest = longest_task_seconds(settings, program)
    if longest is None:
        raise RenderError(
            f"stages.{program}.timeouts.start_to_close is NONE, so the drain time cannot be derived: "
            f"set fleet.roles.{role}.programs.{program}.stopwaitsecs")
    return LONG_POLL_SECONDS + longest + settings.fleet.stop_margin


def role_programs(settings: Settings, role: str, cli: str) -> list[Program]:
    """The decider and stage workers of one role, each running `cli` plus its subcommand."""
    if role not in settings.fleet.roles:
        known = ", ".join(settings.fleet.roles) or "none"
        raise RenderError(f"fleet.roles has no role {role!r} in environment {settings.env!r} (known: {known})")
    programs = []
    for name, spec in settings.fleet.roles[role].programs.items():
        is_decider = name == "decider"
        programs.append(Program(
            name=name,
            command=f"{cli} decider" if is_decider else f"{cli} worker {name}",
            processes=spec.processes,
            priority=PRIORITY_DECIDER if is_decider else PRIORITY_WORKER,
            startsecs=settings.fleet.startsecs if spec.startsecs is None else spec.startsecs,
            stopwaitsecs=stopwaitsecs_for(settings, role, name),
            kill_as_group=name in SPAWNS_FFMPEG,
        ))
    return programs


def host_layout(settings: Settings, role: str) -> Layout:
    """A deployed host: everything under fleet.root, owned by fleet.user."""
    fleet = settings.fleet
    root = PurePosixPath(fleet.root)
    socket = root / fleet.socket
    return Layout(
        socket=socket,
        pidfile=socket.parent / "supervisord.pid",
        log_dir=root / fleet.log_dir,
        directory=root,
        identifier=f"viblio-{settings.env}-{role}",
        socket_owner=fleet.user,
        environment={"PYTHONUNBUFFERED": "1", "VIBLIO_CONF_DIR": str(root / CONF_DIR)},
        log_maxbytes=fleet.log_maxbytes,
        log_backups=fleet.log_backups,
    )


def host_cli(settings: Settings) -> str:
    """The command prefix on a deployed host: secrets loaded by the env wrapper."""
    root = PurePosixPath(settings.fleet.root)
    return f"{root / ENV_WRAPPER} {root / RELEASE_CLI} --env {settings.env}"


def render_host(settings: Settings, role: str) -> str:
    """The checked-in supervisord file of one role in one environment."""
    header = (f"Generated by `viblio-pipeline fleet render --env {settings.env} --role {role}`"
              " from conf/. Do not edit: change conf/ and render again.")
    group = Group(role, role_programs(settings, role, host_cli(settings)))
    return render(host_layout(settings, role), [group], header)


def local_groups(settings: Settings, cli: str) -> list[Group]:
    """The local fleet: the embedded SWF service (when swf.endpoint_url points at one),
    registration, then every role.

    Only the SWF service autostarts; `fleet up` starts registration once the
    service listens, and the roles once registration has succeeded.
    """
    register = Program("register", f"{cli} register", 1, PRIORITY_REGISTER, startsecs=0,
                       stopwaitsecs=SERVICE_STOPWAITSECS, autostart=False, autorestart="false",
                       startretries=0)
    server = Program("swf-server", f"{cli} swf-server", 1, PRIORITY_SWF_SERVER, settings.fleet.startsecs,
                     SERVICE_STOPWAITSECS)
    embedded = settings.swf.endpoint_url is not None
    service = Group("swf", [server, register] if embedded else [register], PRIORITY_SWF_SERVER)
    roles = []
    for role in settings.fleet.roles:
        programs = [_not_autostarted(p) for p in role_programs(settings, role, cli)]
        roles.append(Group(role, programs))
    return [service, *roles]


def local_layout(config: Config) -> Layout:
    """The local fleet keeps all its state under var/ and passes its config dir on."""
    var = PurePosixPath(config.var_dir)
    return Layout(
        socket=var / "supervisor.sock",
        pidfile=var / "supervisord.pid",
        log_dir=var / "log",
        directory=PurePosixPath(config.root),
        identifier=f"viblio-{config.env}-fleet",
        environment={"PYTHONUNBUFFERED": "1", "VIBLIO_CONF_DIR": str(config.conf_dir),
                     "VIBLIO_ENV": config.env},
        log_maxbytes=config.settings.fleet.log_maxbytes,
        log_backups=config.settings.fleet.log_backups,
    )


def render_local(config: Config, cli: Sequence[str]) -> str:
    """The local fleet's supervisord file; cli is how to run viblio-pipeline here."""
    prefix = shell_join([*cli, "--env", config.env])
    header = "Generated by `viblio-pipeline fleet up` for the local fleet; rewritten on every `up`."
    return render(local_layout(config), local_groups(config.settings, prefix), header)


def _not_autostarted(program: Program) -> Program:
    return Program(**{**program.__dict__, "autostart": False})


def render(layout: Layout, groups: Sequence[Group], header: str) -> str:
    """The INI text supervisord reads."""
    lines = [f"; {header}", ""]
    lines += ["[unix_http_server]", f"file={layout.socket}", "chmod=0700"]
    if layout.socket_owner:
        lines.append(f"chown={layout.socket_owner}")
    lines += [
        "",
        "[supervisord]",
        f"logfile={layout.log_dir / 'supervisord.log'}",
        f"logfile_maxbytes={layout.log_maxbytes}",
        f"logfile_backups={layout.log_backups}",
        f"pidfile={layout.pidfile}",
        f"childlogdir={layout.log_dir}",
        f"directory={layout.directory}",
        f"identifier={layout.identifier}",
        "umask=027",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{layout.socket}",
    ]
    for group in groups:
        lines += ["", f"[group:{group.name}]", f"programs={','.join(p.name for p in group.programs)}",
                  f"priority={group.priority}"]
        for program in group.programs:
            lines += ["", *_program_section(layout, program)]
    return "\n".join(lines) + "\n"


def _program_section(layout: Layout, program: Program) -> list[str]:
    environment = ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(layout.environment.items()))
    lines = [
        f"[program:{program.name}]",
        f"command={_literal(program.command)}",
        "process_name=%(program_name)s_%(process_num)02d",
        f"numprocs={program.processes}",
        f"directory={layout.directory}",
        f"priority={program.priority}",
        f"autostart={str(program.autostart).lower()}",
        f"autorestart={program.autorestart}",
        f"startsecs={program.startsecs}",
        f"startretries={program.startretries}",
        "exitcodes=0",
        "stopsignal=TERM",
        f"stopwaitsecs={program.stopwaitsecs}",
        f"stopasgroup={str(program.kill_as_group).lower()}",
        f"killasgroup={str(program.kill_as_group).lower()}",
        "redirect_stderr=true",
        f"stdout_logfile={_literal(str(layout.log_dir))}/%(program_name)s_%(process_num)02d.log",
        f"stdout_logfile_maxbytes={layout.log_maxbytes}",
        f"stdout_logfile_backups={layout.log_backups}",
    ]
    if environment:
        lines.append(f"environment={environment}")
    return lines


def _escape(value: str) -> str:
    """supervisord expands %(name)s in values and splits on commas outside quotes."""
    if '"' in value:
        raise RenderError(f"environment value {value!r} contains a double quote")
    return _literal(value)


def _literal(value: str) -> str:
    """Protect a value from supervisord's %(name)s expansion."""
    return value.replace("%", "%%")


def shell_join(argv: Sequence[str]) -> str:
    """A command line supervisord splits back into argv (it uses shlex)."""
    return " ".join(shlex.quote(arg) for arg in argv)
