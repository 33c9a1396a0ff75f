"""Accepting a finished upload: spool it, record the pending media, start its workflow.

This is what Popeye does after a complete upload; `viblio-pipeline submit`
does the same from the command line.
"""

from __future__ import annotations

import mimetypes
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viblio_pipeline.config import Config


class UploadRejected(Exception):
    """The upload cannot enter the pipeline; the message says why."""


@dataclass(frozen=True)
class Accepted:
    media_uuid: str
    spool_path: Path
    workflow_id: str
    run_id: str


def spool_upload(config: Config, source: Path, media_uuid: str) -> Path:
    """Copy the file into this host's spool under the media's own folder."""
    if not source.exists():
        raise UploadRejected(f"{source}: no such file")
    if not source.is_file():
        raise UploadRejected(f"{source}: not a regular file")
    if source.stat().st_size == 0:
        raise UploadRejected(f"{source}: the file is empty")
    folder = config.path(config.settings.popeye.spool_dir) / media_uuid
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (source.name or "upload")
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def accept_upload(config: Config, client: Any, source: Path, user_uuid: str, title: str | None = None,
                  extra: dict[str, Any] | None = None, host: str | None = None) -> Accepted:
    """Spool, create the pending media row, start the workflow; undo the spool on failure."""
    from viblio_pipeline.catalog import open_catalog
    from viblio_pipeline.swf.executions import start

    if not user_uuid.strip():
        raise UploadRejected("user uuid is empty")
    media_uuid = str(uuid.uuid4())
    spooled = spool_upload(config, source, media_uuid)
    try:
        open_catalog(config).create_media(media_uuid, user_uuid, title=title or source.stem,
                                          source_name=source.name)
        content_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        body = {
            **(extra or {}),
            "popeye_host": host or socket.gethostname(),
            "original": {"spool_path": str(spooled), "filename": source.name, "content_type": content_type},
        }
        started = start(client, config.settings, media_uuid, user_uuid, body)
    except Exception:
        shutil.rmtree(spooled.parent, ignore_errors=True)
        raise
    return Accepted(media_uuid, spooled, started["workflowId"], started["runId"])
