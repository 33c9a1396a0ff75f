"""`viblio-pipeline config show|check`."""

from __future__ import annotations

import click
import yaml

from viblio_pipeline.cli.context import cli_env
from viblio_pipeline.config import check_all, default_conf_dir, load_config


@click.group()
def config() -> None:
    """Show or check the layered configuration."""


@config.command("show")
@click.option("--env", "env", default=None, help="Environment to show (default: the global --env).")
@click.pass_context
def show(ctx: click.Context, env: str | None) -> None:
    """Print the merged effective config (secrets masked)."""
    loaded = load_config(env or cli_env(ctx))
    click.echo(f"# environment: {loaded.env}  (from {loaded.conf_dir})")
    click.echo(yaml.safe_dump(loaded.dump(), sort_keys=False), nl=False)


@config.command("check")
@click.option("--secrets", "require_secrets", is_flag=True,
              help="Also require the secrets each environment marks required.")
def check(require_secrets: bool) -> None:
    """Validate every environment's files; exit 2 if any is invalid."""
    results = check_all(require_secrets=require_secrets)
    if not results:
        raise click.ClickException(f"no environment files found in {default_conf_dir()}")
    failed = False
    for env, error in results.items():
        if error is None:
            click.echo(f"ok: {env}")
        else:
            failed = True
            click.echo(f"invalid: {env}: {error}", err=True)
    if failed:
        raise click.exceptions.Exit(2)
