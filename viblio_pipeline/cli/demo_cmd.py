"""`viblio-pipeline demo`: the README's first command."""

from __future__ import annotations

from pathlib import Path

import click

from viblio_pipeline.cli.context import load


@click.command()
@click.option("--stop/--keep-running", "stop", default=False,
              help="Stop the local fleet at the end (default: leave it running).")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the workflow to close.")
@click.option("--photos", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the face_recognition test photos (default var/test-photos if present).")
@click.pass_context
def demo(ctx: click.Context, stop: bool, timeout: float, photos: Path | None) -> None:
    """Run the local fleet, process a sample video with real faces, summarise the result."""
    from viblio_pipeline.demo.run import DemoFailed, run_demo
    from viblio_pipeline.fleet.local import FleetError

    config = load(ctx)
    try:
        run_demo(config, click.echo, keep_running=not stop, timeout=timeout,
                 photo_dir=photos or config.var_dir / "test-photos")
    except (DemoFailed, FleetError) as exc:
        raise click.ClickException(str(exc)) from None
