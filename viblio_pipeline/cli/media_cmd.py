"""`viblio-pipeline media show|list`: what the catalog knows about media."""

from __future__ import annotations

import json
from datetime import datetime

import click

from viblio_pipeline.catalog import MediaInfo, MediaNotFound, MediaStatus, open_catalog
from viblio_pipeline.cli.context import load

FIELDS = ("status", "title", "source_name", "duration", "width", "height", "recorded_at",
          "picture_uri", "unique_hash", "duplicate_of", "error", "created_at", "updated_at")


@click.group()
def media() -> None:
    """Media in the catalog: status, assets, stage records."""


@media.command("show")
@click.argument("media_uuid")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.pass_context
def show(ctx: click.Context, media_uuid: str, as_json: bool) -> None:
    """Print one media with its assets and stage records."""
    catalog = open_catalog(load(ctx))
    try:
        info = catalog.get_media(media_uuid)
    except MediaNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(info.to_json(), indent=2) if as_json else format_media(info))


@media.command("list")
@click.option("--user", "user_uuid", default=None, help="Only this user's media.")
@click.option("--status", type=click.Choice([s.value for s in MediaStatus]), default=None)
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON lines.")
@click.pass_context
def list_media(ctx: click.Context, user_uuid: str | None, status: str | None, limit: int,
               as_json: bool) -> None:
    """The most recent media first."""
    rows = open_catalog(load(ctx)).list_media(user_uuid=user_uuid, status=status, limit=limit)
    if as_json:
        for row in rows:
            click.echo(json.dumps({k: v for k, v in row.to_json().items() if k not in ("assets", "stages")}))
        return
    if not rows:
        click.echo("no media")
        return
    click.echo(_table(["MEDIA", "USER", "STATUS", "TITLE", "CREATED"],
                      [[m.uuid, m.user_uuid, m.status, m.title or "", _when(m.created_at)] for m in rows]))


def format_media(info: MediaInfo) -> str:
    """A readable report of one media: its fields, then assets, then stages."""
    lines = [f"media {info.uuid}  (user {info.user_uuid})"]
    for name in FIELDS:
        value = getattr(info, name)
        if value is not None:
            lines.append(f"  {name:<12} {_when(value) if isinstance(value, datetime) else value}")
    if info.summary:
        lines.append(f"  {'summary':<12} {json.dumps(info.summary, sort_keys=True)}")
    lines.append("")
    if info.assets:
        lines.append("assets")
        lines.append(_table(["KIND", "NAME", "BYTES", "SIZE", "TYPE", "URI"], [
            [a.kind, a.name, str(a.size_bytes), f"{a.width}x{a.height}" if a.width else "", a.mime_type, a.uri]
            for a in info.assets], indent=2))
    else:
        lines.append("assets: none")
    if info.stages:
        lines.append("stages")
        lines.append(_table(["STAGE", "STATUS", "ATTEMPTS", "STARTED", "FINISHED", "ERROR"], [
            [s.stage, s.status, str(s.attempts), _when(s.started_at), _when(s.finished_at), s.error or ""]
            for s in info.stages], indent=2))
    else:
        lines.append("stages: none")
    return "\n".join(lines)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _table(header: list[str], rows: list[list[str]], indent: int = 0) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    pad = " " * indent
    return "\n".join(pad + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])
