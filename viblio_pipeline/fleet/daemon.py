"""`--daemon` for hosts without supervisord (never use it under supervisord).

The config is validated before the fork, so a bad one fails in the terminal;
the pidfile is checked before the fork too: a live one refuses, a stale one
(its process is gone) is replaced and said so in the log. Logging is set up
after the fork (start_process), because the Loggly thread must live in the
process that logs. Signals are handled as in the foreground: the process's
own SIGTERM handler (drain) replaces python-daemon's default one.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from daemon import DaemonContext
from daemon.pidfile import TimeoutPIDLockFile

from viblio_pipeline.cli.context import load, start_process
from viblio_pipeline.config import Config
from viblio_pipeline.fleet.procs import process_alive

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("viblio_pipeline.daemon")


def daemon_options(func: F) -> F:
    """Add --daemon and --pidfile to a long-running command (passed as `daemon`, `pidfile`)."""
    func = click.option("--pidfile", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="With --daemon: pidfile (default var/run/ROLE.pid).")(func)
    func = click.option("--daemon", "daemon", is_flag=True,
                        help="Detach into the background (hosts without supervisord); "
                             "output goes to var/log/ROLE.log.")(func)
    return func


def run_process(ctx: click.Context, role: str, main: Callable[[Config], None], daemon: bool,
                pidfile: Path | None) -> None:
    """Run main(config) in the foreground, or detached with a pidfile when daemon is set."""
    if not daemon:
        if pidfile is not None:
            raise click.UsageError("--pidfile only applies with --daemon")
        main(start_process(ctx, role))
        return
    config = load(ctx)
    pid_path = pidfile or config.var_dir / "run" / f"{role}.pid"
    log_path = config.var_dir / "log" / f"{role}.log"
    pid_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    note = clear_stale_pidfile(pid_path)
    if note:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"{role}: running in the background; log {log_path}, pidfile {pid_path}", err=True)
    output = log_path.open("a", encoding="utf-8")
    context = DaemonContext(
        working_directory=os.getcwd(),
        umask=0o027,
        pidfile=TimeoutPIDLockFile(str(pid_path), acquire_timeout=0),
        stdout=output,
        stderr=output,
    )
    with context:
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        config = start_process(ctx, role)
        if note:
            log.warning(note)
        log.info("%s daemonized as pid %d (pidfile %s)", role, os.getpid(), pid_path)
        main(config)


def clear_stale_pidfile(path: Path) -> str | None:
    """Refuse to start next to a live pidfile; remove a stale one and say why."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    try:
        pid = int(text)
    except ValueError:
        path.unlink()
        return f"replaced unreadable pidfile {path} (content {text[:20]!r})"
    if pid > 0 and process_alive(pid):
        raise click.ClickException(
            f"already running as pid {pid} (pidfile {path}); stop it first "
            "(or remove the pidfile if that pid is not this program)")
    path.unlink()
    return f"replaced stale pidfile {path}: pid {pid} is not running"
