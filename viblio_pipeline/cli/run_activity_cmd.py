"""`viblio-pipeline run-activity STAGE --input JSON`: one stage's handler, here, without SWF."""

from __future__ import annotations

import json
import sys

import click

from viblio_pipeline.cli.context import cli_debug, json_object_option, load
from viblio_pipeline.logs import setup_logging


@click.command("run-activity")
@click.argument("stage")
@click.option("--input", "body", required=True, help="The activity input as a JSON object.")
@click.pass_context
def run_activity(ctx: click.Context, stage: str, body: str) -> None:
    """Run one stage's handler on the given input and print its result."""
    from viblio_pipeline.activities import ActivityContext, ActivityError, CompleteLater, load_handler

    config = load(ctx)
    setup_logging(config, role=f"run-activity:{stage}", debug=cli_debug(ctx), stream=sys.stderr)
    if stage not in config.settings.stages:
        raise click.BadParameter(f"unknown stage {stage!r} (stages: {', '.join(config.settings.stages)})",
                                 param_hint="STAGE")
    payload = json_object_option(body, "--input", empty_ok=False)
    handler = load_handler(stage)
    try:
        result = handler(ActivityContext(config=config, stage=stage), payload)
    except ActivityError as exc:
        retry = str(exc.retry).lower()
        raise click.ClickException(f"{stage} failed ({exc.code}, retry={retry}): {exc.message}") from None
    except CompleteLater as parked:
        click.echo(f"{stage} parked the task for later completion: {parked}")
        return
    click.echo(json.dumps(result, indent=2, default=str))
