"""The demo: bring up the local fleet, submit the sample, follow it, summarise it."""

from __future__ import annotations

import time
from pathlib import Path

from viblio_pipeline.catalog import MediaNotFound, open_catalog
from viblio_pipeline.config import Config
from viblio_pipeline.demo.report import Echo, ProgressPrinter, faces_of, summary_lines
from viblio_pipeline.demo.sample import build_sample
from viblio_pipeline.fleet.local import LocalFleet
from viblio_pipeline.popeye.intake import accept_upload
from viblio_pipeline.swf.client import make_client

DEMO_USER = "demo-user"


class DemoFailed(Exception):
    pass


def run_demo(config: Config, echo: Echo, keep_running: bool = True, timeout: float = 600.0,
             photo_dir: Path | None = None) -> str:
    """Process one sample video end to end; returns the media uuid."""
    if config.settings.swf.endpoint_url is None:
        raise DemoFailed(f"the demo runs on the embedded SWF service; environment {config.env!r} "
                         "has no swf.endpoint_url (use --env local)")
    sample, people = build_sample(config.var_dir / "demo" / "sample.mp4", photo_dir)
    echo(f"sample video {sample}: shots of {', '.join(people)}, each followed by a shot without a face")
    fleet = LocalFleet(config, echo=echo)
    fleet.up()
    try:
        accepted = accept_upload(config, make_client(config, read_timeout=30), sample, DEMO_USER,
                                 title="viblio demo")
        echo(f"submitted media {accepted.media_uuid} as workflow {accepted.workflow_id}")
        status = follow(config, accepted.media_uuid,
                        {"workflowId": accepted.workflow_id, "runId": accepted.run_id}, echo, timeout)
        catalog = open_catalog(config)
        media = catalog.get_media(accepted.media_uuid)
        echo(f"workflow closed: {status}")
        for line in summary_lines(media, faces_of(catalog, media.uuid),
                                  str(config.path(config.settings.storage.local_dir))):
            echo(line)
        if status != "COMPLETED":
            raise DemoFailed(f"the workflow ended {status}; see `viblio-pipeline history {accepted.workflow_id}`")
        return accepted.media_uuid
    finally:
        if keep_running:
            echo("the fleet is still running: `viblio-pipeline fleet status` to look, "
                 "`viblio-pipeline fleet down` to stop it")
        else:
            echo("stopping the fleet")
            fleet.down()
            echo("the fleet is stopped; `viblio-pipeline fleet up` starts it again")


def follow(config: Config, media_uuid: str, execution: dict[str, str], echo: Echo, timeout: float) -> str:
    """Print stage progress until the workflow closes; its close status."""
    client = make_client(config, read_timeout=30)
    catalog = open_catalog(config)
    printer = ProgressPrinter(echo)
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        try:
            printer.update(catalog.get_media(media_uuid), elapsed)
        except MediaNotFound:
            pass
        info = client.describe_workflow_execution(domain=config.settings.swf.domain, execution=execution)
        if info["executionInfo"]["executionStatus"] == "CLOSED":
            printer.update(catalog.get_media(media_uuid), elapsed)
            return str(info["executionInfo"]["closeStatus"])
        if elapsed > timeout:
            raise DemoFailed(f"still running after {timeout:.0f} s; the fleet keeps going: "
                             f"`viblio-pipeline history {execution['workflowId']}`")
        time.sleep(0.5)
