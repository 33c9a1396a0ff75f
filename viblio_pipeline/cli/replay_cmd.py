"""`viblio-pipeline replay FILE`: what the decider would decide for a saved history."""

from __future__ import annotations

import json
import sys

import click

from viblio_pipeline.cli.context import cli_env
from viblio_pipeline.config import load_config
from viblio_pipeline.workflow import HistoryError, WorkflowSpec, load_history
from viblio_pipeline.workflow.explain import describe_decision, explain


@click.command()
@click.argument("history_file", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--env", "env", default=None,
              help="Environment whose workflow config to use (default: the global --env).")
@click.option("--json", "as_json", is_flag=True, help="Print the boto3 decision dicts as JSON.")
@click.option("--upto", type=click.IntRange(min=1), default=None, metavar="EVENT_ID",
              help="Replay as if the history ended at this event id.")
@click.pass_context
def replay(ctx: click.Context, history_file: str, env: str | None, as_json: bool, upto: int | None) -> None:
    """Print the decisions the decider makes for a saved history.

    FILE is GetWorkflowExecutionHistory JSON ({"events": [...]}), a JSON list of
    events, or a Python pprint dump of them; "-" reads standard input.
    """
    try:
        text = sys.stdin.read() if history_file == "-" else open(history_file, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"{history_file}: cannot read: {exc.strerror}") from None
    try:
        events = load_history(text)
    except HistoryError as exc:
        raise click.ClickException(f"{history_file}: {exc}") from None
    if upto is not None:
        events = [e for e in events if e["eventId"] <= upto]
    if not events:
        raise click.ClickException(f"{history_file}: no events to replay")
    settings = load_config(env or cli_env(ctx), require_secrets=False).settings
    try:
        account = explain(events, WorkflowSpec.from_settings(settings))
    except HistoryError as exc:
        raise click.ClickException(f"{history_file}: {exc}") from None
    if as_json:
        click.echo(json.dumps(account.decisions, indent=2, default=str))
        return
    click.echo(f"history: {account.event_count} events, last event id {events[-1]['eventId']} "
               f"(config: {settings.env})")
    if account.closed:
        click.echo(f"execution: closed ({account.closed})")
    elif account.cancel_reason:
        click.echo(f"execution: cancelling ({account.cancel_reason})")
    if account.input_error:
        click.echo(f"input: invalid: {account.input_error}")
    if account.stages:
        click.echo("stages:")
        width = max(len(name) for name in account.stages)
        for name, entry in account.stages.items():
            extras = [f"{entry['attempts']} attempt(s)"]
            if "duration_ms" in entry:
                extras.append(f"{entry['duration_ms']} ms")
            if "reason" in entry:
                extras.append(entry["reason"])
            click.echo(f"  {name:<{width}}  {entry['status']:<9}  " + "; ".join(extras))
    if not account.decisions:
        click.echo("decisions: none")
        return
    click.echo(f"decisions ({len(account.decisions)}):")
    for number, decision in enumerate(account.decisions, 1):
        click.echo(f"  {number}. {describe_decision(decision)}")
