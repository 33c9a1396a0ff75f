"""`viblio-pipeline fleet render|up|down|status`: supervisord config and the local fleet."""

from __future__ import annotations

import os
import socket as socketlib
from pathlib import Path
from urllib.parse import urlsplit

import click

from viblio_pipeline.cli.context import cli_env, load
from viblio_pipeline.config import Config, load_config
from viblio_pipeline.fleet.local import REGISTER, FleetError, LocalFleet
from viblio_pipeline.fleet.render import RenderError, render_host
from viblio_pipeline.fleet.supervisor_client import Supervisor, SupervisorUnavailable


@click.group()
def fleet() -> None:
    """Run the fleet: supervisord config per host role, and the local fleet."""


@fleet.command("render")
@click.option("--env", "env", default=None, help="Environment (default: the global --env).")
@click.option("--role", required=True, help="Host role: a key of fleet.roles (popeye, pipeline).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (atomically) instead of stdout.")
@click.pass_context
def render(ctx: click.Context, env: str | None, role: str, output: Path | None) -> None:
    """Print the supervisord config of one host role (the files in supervisord/)."""
    config = load_config(env or cli_env(ctx), require_secrets=False)
    try:
        text = render_host(config.settings, role)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, output)
    click.echo(f"wrote {output}", err=True)


@fleet.command("up")
@click.option("--timeout", type=float, default=90.0, show_default=True,
              help="Seconds to wait for every program to be RUNNING.")
@click.pass_context
def up(ctx: click.Context, timeout: float) -> None:
    """Start supervisord with the local fleet and wait until every program runs."""
    fleet_here = LocalFleet(load(ctx), echo=click.echo)
    try:
        processes = fleet_here.up(timeout)
    except FleetError as exc:
        raise click.ClickException(f"{exc}\n(the fleet is left as it is: `fleet status`, `fleet down`)"
                                   ) from None
    click.echo(f"fleet up: {len(processes)} processes; logs in {fleet_here.layout.log_dir}")


@fleet.command("down")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for supervisord to exit once the programs have drained.")
@click.pass_context
def down(ctx: click.Context, timeout: float) -> None:
    """Drain every program (tasks in hand finish), then stop supervisord."""
    try:
        LocalFleet(load(ctx), echo=click.echo).down(timeout)
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None


@fleet.command("status")
@click.option("--socket", "socket_path", type=click.Path(path_type=Path), default=None,
              help="supervisord socket (default: the local fleet's, in var/).")
@click.pass_context
def status(ctx: click.Context, socket_path: Path | None) -> None:
    """Each process's state and each task list's backlog; exit 3 if a process is not RUNNING."""
    config = load(ctx, require_secrets=False)  # an operator's shell on a host has no secrets
    supervisor = Supervisor(socket_path or LocalFleet(config).supervisor.socket)
    try:
        processes = supervisor.processes()
        pid = supervisor.pid()
    except SupervisorUnavailable as exc:
        raise click.ClickException(f"{exc}; start the fleet with `viblio-pipeline fleet up`") from None
    click.echo(f"supervisord pid {pid} ({supervisor.socket})")
    width = max((len(p.full_name) for p in processes), default=10)
    for info in processes:
        click.echo(f"  {info.full_name:<{width}}  {info.state:<8}  {info.description}")
    _echo_backlog(config)
    if any(p.state != "RUNNING" and p.full_name != REGISTER for p in processes):
        raise click.exceptions.Exit(3)


def _echo_backlog(config: Config) -> None:
    """Pending tasks per task list, as SWF counts them."""
    from viblio_pipeline.swf.client import make_client
    from viblio_pipeline.swf.executions import pending_counts

    endpoint = config.settings.swf.endpoint_url
    if endpoint and not _listening(endpoint):
        click.echo(f"backlog: unavailable, nothing listens at {endpoint}")
        return
    try:
        counts = pending_counts(make_client(config, read_timeout=10), config.settings, socketlib.gethostname())
    except Exception as exc:  # noqa: BLE001 - status must still print what it has
        click.echo(f"backlog: unavailable ({type(exc).__name__}: {exc})")
        return
    click.echo(f"backlog (pending tasks) in domain {config.settings.swf.domain}:")
    for task_list, count in counts.items():
        click.echo(f"  {task_list:<40} {count}")


def _listening(endpoint: str) -> bool:
    url = urlsplit(endpoint)
    with socketlib.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((url.hostname or "127.0.0.1", url.port or 80)) == 0
