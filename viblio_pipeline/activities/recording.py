"""Stage records in the catalog, kept by the worker around every task.

The catalog then shows, per media, which stage ran, how many attempts it
took and why it failed, without every handler having to say so. Recording is
best effort: it never changes the task's outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from viblio_pipeline.activities.base import ActivityContext

log = logging.getLogger(__name__)

OUTCOME_STATUS = {"completed": "completed", "failed": "failed", "canceled": "cancelled", "parked": "waiting",
                  "lost": "timed_out"}


class StageRecorder:
    def started(self, ctx: ActivityContext, payload: dict[str, Any]) -> None:
        self._record(ctx, payload, "running", None)

    def finished(self, ctx: ActivityContext, payload: dict[str, Any], outcome: str, error: str | None) -> None:
        status = OUTCOME_STATUS.get(outcome)
        if status is not None:
            self._record(ctx, payload, status, error)

    def _record(self, ctx: ActivityContext, payload: dict[str, Any], status: str, error: str | None) -> None:
        media_uuid = payload.get("media_uuid")
        if not isinstance(media_uuid, str):
            return
        try:
            catalog = ctx.catalog
            if not catalog.media_exists(media_uuid):
                log.debug("media %s is not in the catalog; stage record skipped", media_uuid)
                return
            catalog.record_stage(media_uuid, ctx.stage, status, ctx.attempt, error=error)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must not fail the task
            log.warning("could not record stage %s as %s: %s", ctx.stage, status, exc)


def mark_workflow_failed(catalog: Any, media_uuid: str, reason: str) -> None:
    """The media failed as a whole (a workflow-fatal stage, or a cancel)."""
    if catalog.media_exists(media_uuid):
        media = catalog.get_media(media_uuid)
        if media.status not in ("failed", "complete"):
            catalog.set_media_status(media_uuid, "failed", error=reason[:1000])
