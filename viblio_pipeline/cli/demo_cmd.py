"""`viblio-pipeline demo`: the README's first command.

It grows with the product; today it proves the foundation end to end: every
environment's configuration validates and the local one is shown.
"""

from __future__ import annotations

import click

from viblio_pipeline.cli.context import cli_env
from viblio_pipeline.config import check_all, load_config


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the pipeline on the embedded default and summarise the result."""
    results = check_all()
    for env, error in results.items():
        click.echo(f"config {env}: {'ok' if error is None else error}")
    config = load_config(cli_env(ctx))
    settings = config.settings
    click.echo(f"environment {config.env}: SWF {settings.swf.endpoint_url or 'AWS ' + settings.swf.region}"
               f", domain {settings.swf.domain}, catalog {settings.catalog.url}")
    click.echo("workflow stages: " + ", ".join(
        f"{name} <- {'+'.join(stage.depends_on) or 'start'}" for name, stage in settings.stages.items()))
    click.echo("note: only the foundation exists so far; the SWF service, workers and media stages "
               "arrive with the following issues and this demo grows with them.")
