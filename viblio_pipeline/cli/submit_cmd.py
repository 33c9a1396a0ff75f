"""`viblio-pipeline submit FILE --user-uuid U`: what Popeye does after an upload."""

from __future__ import annotations

import json
from pathlib import Path

import click

from viblio_pipeline.cli.context import load


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--user-uuid", required=True, help="The owner of the video.")
@click.option("--title", default=None, help="Title (default: the file name).")
@click.option("--manual", is_flag=True, help="Send uncertain faces to human review.")
@click.pass_context
def submit(ctx: click.Context, file: Path, user_uuid: str, title: str | None, manual: bool) -> None:
    """Spool a video, create its pending media and start its workflow; prints the media uuid."""
    from viblio_pipeline.popeye.intake import UploadRejected, accept_upload
    from viblio_pipeline.swf.client import make_client

    config = load(ctx)
    try:
        accepted = accept_upload(config, make_client(config, read_timeout=30), file, user_uuid, title,
                                 extra={"manual": True} if manual else None)
    except UploadRejected as exc:
        raise click.ClickException(f"upload rejected: {exc}") from None
    click.echo(accepted.media_uuid)
    click.echo(json.dumps({"workflow_id": accepted.workflow_id, "run_id": accepted.run_id}), err=True)
