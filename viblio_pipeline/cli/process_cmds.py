"""The long-running processes: `decider`, `worker STAGE`, and `register`."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import click

from viblio_pipeline.cli.context import load
from viblio_pipeline.config import Config
from viblio_pipeline.fleet.daemon import daemon_options, run_process
from viblio_pipeline.swf.stopping import StopController

log = logging.getLogger("viblio_pipeline.process")


@click.command()
@click.pass_context
def register(ctx: click.Context) -> None:
    """Register the domain and the workflow and activity types (idempotent)."""
    from viblio_pipeline.swf.client import make_client
    from viblio_pipeline.swf.registration import register_all

    config = load(ctx)
    report = register_all(make_client(config), config.settings)
    for line in report.done:
        click.echo(f"registered: {line}")
    for line in report.unchanged:
        click.echo(f"unchanged: {line}")
    for line in report.conflicts:
        click.echo(f"conflict: {line}", err=True)
    if report.conflicts:
        raise click.exceptions.Exit(3)


@click.command()
@click.option("--max-tasks", type=int, default=None, help="Exit after this many decision tasks.")
@daemon_options
@click.pass_context
def decider(ctx: click.Context, max_tasks: int | None, daemon: bool, pidfile: Path | None) -> None:
    """Run the VideoProcessing decider (foreground; SIGTERM drains)."""
    from viblio_pipeline.swf.client import make_client
    from viblio_pipeline.swf.decider_loop import DeciderLoop

    def main(config: Config) -> None:
        stop = StopController()
        stop.install()  # before anything slow: a stop during start-up is a clean exit
        loop = DeciderLoop(make_client(config), config, stop, on_failure=_catalog_failure_hook(config))
        log.info("decider polling %s in domain %s", config.settings.decider_task_list, config.settings.swf.domain)
        code = loop.run(max_tasks=max_tasks)
        log.info("decider stopped after %d decision tasks", loop.handled)
        sys.exit(code)

    run_process(ctx, "decider", main, daemon, pidfile)


def _catalog_failure_hook(config: Config) -> Callable[[str, str], None]:
    def mark(media_uuid: str, reason: str) -> None:
        from viblio_pipeline.activities.recording import mark_workflow_failed
        from viblio_pipeline.catalog import open_catalog

        mark_workflow_failed(open_catalog(config), media_uuid, reason)

    return mark


@click.command()
@click.argument("stage")
@click.option("--host", default=None, help="Host name for a per-host task list (default: this host).")
@click.option("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
@daemon_options
@click.pass_context
def worker(ctx: click.Context, stage: str, host: str | None, max_tasks: int | None, daemon: bool,
           pidfile: Path | None) -> None:
    """Run one stage's activity worker (foreground; SIGTERM drains)."""
    from viblio_pipeline.activities import load_handler
    from viblio_pipeline.activities.recording import StageRecorder
    from viblio_pipeline.swf.client import make_client
    from viblio_pipeline.swf.worker import ActivityWorker

    stages = load(ctx).settings.stages
    if stage not in stages:
        raise click.ClickException(f"unknown stage {stage!r}; stages in config: {', '.join(stages)}")

    def main(config: Config) -> None:
        stop = StopController()
        stop.install()  # before the handler's heavy imports: a stop during start-up is a clean exit
        handler = load_handler(stage)
        task_list = config.settings.stage_task_list(stage, host or socket.gethostname())
        loop = ActivityWorker(make_client(config), config, stage, task_list, handler, stop,
                              recorder=StageRecorder())
        log.info("worker %s polling %s in domain %s", stage, task_list, config.settings.swf.domain)
        code = loop.run(max_tasks=max_tasks)
        log.info("worker %s stopped after %d tasks", stage, loop.handled)
        sys.exit(code)

    run_process(ctx, stage, main, daemon, pidfile)
