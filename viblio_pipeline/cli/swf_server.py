"""`viblio-pipeline swf-server`: the embedded SWF-compatible service in the foreground."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import click

from viblio_pipeline.config import Config
from viblio_pipeline.fleet.daemon import daemon_options, run_process

log = logging.getLogger("viblio_pipeline.swf_server")


@click.command(name="swf-server")
@click.option("--host", default=None, help="Address to bind (default from config; loopback).")
@click.option("--port", type=int, default=None, help="Port (default from config; 0 picks a free one).")
@click.option("--db", "db", default=None, metavar="FILE", help="SQLite state file (default from config).")
@click.option("--poll-timeout", type=float, default=None, metavar="SECONDS",
              help="How long a long poll is held (default from config, 60).")
@daemon_options
@click.pass_context
def swf_server(ctx: click.Context, host: str | None, port: int | None, db: str | None,
               poll_timeout: float | None, daemon: bool, pidfile: Path | None) -> None:
    """Run the embedded SWF-compatible service in the foreground (SIGTERM stops it cleanly)."""
    run_process(ctx, "swf-server", lambda config: _serve(config, host, port, db, poll_timeout), daemon, pidfile)


def _serve(config: Config, host: str | None, port: int | None, db: str | None, poll_timeout: float | None) -> None:
    from viblio_pipeline.localswf.server import serve
    from viblio_pipeline.localswf.store import StoreInUse

    local = config.settings.swf.local_server
    bind_host = host or local.host
    bind_port = local.port if port is None else port
    db_path = config.path(db or local.db_path)
    hold = local.poll_timeout if poll_timeout is None else poll_timeout
    if not 0 <= bind_port <= 65535:
        raise click.ClickException(f"--port {bind_port}: must be between 0 and 65535")
    if hold <= 0:
        raise click.ClickException(f"--poll-timeout {hold}: must be a positive number of seconds")
    try:
        serve(bind_host, bind_port, db_path, hold, announce=lambda line: log.info(line))
    except StoreInUse as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(f"cannot listen on {bind_host}:{bind_port}: address already in use") from None
        raise click.ClickException(f"cannot start the SWF service ({db_path}, {bind_host}:{bind_port}): "
                                   f"{exc.strerror or exc}") from None
