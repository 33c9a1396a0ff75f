"""`viblio-pipeline db upgrade|current`: the catalog's schema migrations."""

from __future__ import annotations

import click

from viblio_pipeline.catalog import catalog_url, safe_url
from viblio_pipeline.catalog.engine import make_engine
from viblio_pipeline.catalog.migrate import current_revision, head_revision, upgrade
from viblio_pipeline.cli.context import load


@click.group()
def db() -> None:
    """The catalog database (SQLite locally, MySQL beyond)."""


@db.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Migrate the catalog to the newest schema (safe to repeat)."""
    url = catalog_url(load(ctx))
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"catalog {safe_url(url)}: already at {after}")
    else:
        click.echo(f"catalog {safe_url(url)}: upgraded {before or '(empty)'} -> {after}")


@db.command("current")
@click.pass_context
def current_command(ctx: click.Context) -> None:
    """Show the catalog's schema revision; exit 1 if it is not the newest."""
    url = catalog_url(load(ctx))
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    state = "up to date" if current == head else f"behind (newest is {head}; run `db upgrade`)"
    click.echo(f"catalog {safe_url(url)}: {current or '(empty)'} - {state}")
    if current != head:
        raise click.exceptions.Exit(1)
