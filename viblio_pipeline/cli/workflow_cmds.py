"""Operator commands on workflows: start, status, history, signal, inject, terminate."""

from __future__ import annotations

import json
from typing import Any

import click

from viblio_pipeline.cli.context import json_object_option, load
from viblio_pipeline.config import Config


def _client(config: Config) -> Any:
    from viblio_pipeline.swf.client import make_client

    return make_client(config, read_timeout=30)


@click.command()
@click.option("--media-uuid", required=True)
@click.option("--user-uuid", required=True)
@click.option("--input", "extra", default=None,
              help="Extra workflow input as a JSON object, e.g. '{\"manual\": true}'.")
@click.pass_context
def start(ctx: click.Context, media_uuid: str, user_uuid: str, extra: str | None) -> None:
    """Start processing a media (its workflow id derives from the media uuid)."""
    from viblio_pipeline.swf.executions import AlreadyRunning
    from viblio_pipeline.swf.executions import start as start_execution

    config = load(ctx)
    try:
        started = start_execution(_client(config), config.settings, media_uuid, user_uuid,
                                  json_object_option(extra, "--input"))
    except AlreadyRunning as exc:
        raise click.ClickException(f"already running: {exc}") from None
    click.echo(f"started {started['workflowId']} run {started['runId']}")


@click.command()
@click.option("--host", default=None, help="Also count this Popeye host's upload task list.")
@click.pass_context
def status(ctx: click.Context, host: str | None) -> None:
    """Open executions and the pending task count of every task list."""
    from viblio_pipeline.swf.executions import open_executions, pending_counts

    config = load(ctx)
    client = _client(config)
    executions = open_executions(client, config.settings)
    click.echo(f"open executions in {config.settings.swf.domain}: {len(executions)}")
    for info in executions:
        execution = info["execution"]
        click.echo(f"  {execution['workflowId']}  run {execution['runId']}  started {info['startTimestamp']}")
    click.echo("pending tasks per task list:")
    for task_list, count in pending_counts(client, config.settings, host).items():
        click.echo(f"  {task_list:<40} {count}")


@click.command()
@click.argument("workflow_id")
@click.option("--run-id", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the raw events as JSON (input for `replay`).")
@click.pass_context
def history(ctx: click.Context, workflow_id: str, run_id: str | None, as_json: bool) -> None:
    """A readable timeline of one execution's history."""
    from viblio_pipeline.swf.executions import ExecutionNotFound, find_execution
    from viblio_pipeline.swf.executions import history as read_history
    from viblio_pipeline.swf.timeline import format_timeline

    config = load(ctx)
    client = _client(config)
    try:
        execution = find_execution(client, config.settings, workflow_id, run_id)
    except ExecutionNotFound as exc:
        raise click.ClickException(str(exc)) from None
    events = read_history(client, config.settings, execution)
    if as_json:
        click.echo(json.dumps({"events": events}, default=str, indent=1))
        return
    click.echo(f"{execution['workflowId']} run {execution['runId']}: {len(events)} events")
    for line in format_timeline(events):
        click.echo(line)


def _signal(ctx: click.Context, workflow_id: str, run_id: str | None, name: str, body: str | None) -> None:
    config = load(ctx)
    args: dict[str, Any] = {"domain": config.settings.swf.domain, "workflowId": workflow_id, "signalName": name}
    if run_id:
        args["runId"] = run_id
    if body is not None:
        args["input"] = body
    _client(config).signal_workflow_execution(**args)
    click.echo(f"signalled {name} to {workflow_id}")


@click.command()
@click.argument("workflow_id")
@click.argument("name")
@click.option("--input", "body", default=None, help="Signal input (JSON).")
@click.option("--run-id", default=None)
@click.pass_context
def signal(ctx: click.Context, workflow_id: str, name: str, body: str | None, run_id: str | None) -> None:
    """Send a signal (e.g. `cancel`) to a running workflow."""
    _signal(ctx, workflow_id, run_id, name, body)


@click.command()
@click.argument("workflow_id")
@click.argument("stage")
@click.option("--run-id", default=None)
@click.pass_context
def inject(ctx: click.Context, workflow_id: str, stage: str, run_id: str | None) -> None:
    """Schedule one stage into a running workflow (for testing by hand)."""
    config = load(ctx)
    if stage not in config.settings.stages:
        raise click.BadParameter(f"unknown stage {stage!r} (stages: {', '.join(config.settings.stages)})",
                                 param_hint="STAGE")
    _signal(ctx, workflow_id, run_id, "inject", json.dumps({"stage": stage}))


@click.command()
@click.argument("workflow_id")
@click.option("--reason", default="terminated by operator")
@click.option("--run-id", default=None)
@click.pass_context
def terminate(ctx: click.Context, workflow_id: str, reason: str, run_id: str | None) -> None:
    """Terminate a running workflow at once (no cleanup by the decider)."""
    config = load(ctx)
    args: dict[str, Any] = {"domain": config.settings.swf.domain, "workflowId": workflow_id,
                            "reason": reason[:256]}
    if run_id:
        args["runId"] = run_id
    _client(config).terminate_workflow_execution(**args)
    click.echo(f"terminated {workflow_id}")
