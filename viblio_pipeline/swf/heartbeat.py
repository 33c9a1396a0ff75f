"""A thread that heartbeats the task in hand at the configured interval.

It carries the handler's latest progress, tells the handler when SWF asks for
cancellation, and stops with the task.
"""

from __future__ import annotations

import logging
import threading

from viblio_pipeline.activities.base import ActivityContext
from viblio_pipeline.swf.client import SwfClient, is_unknown_resource
from viblio_pipeline.swf.failures import heartbeat_details

log = logging.getLogger(__name__)


class Heartbeater:
    def __init__(self, client: SwfClient, task_token: str, interval: float, ctx: ActivityContext) -> None:
        self.client = client
        self.task_token = task_token
        self.interval = interval
        self.ctx = ctx
        self.lost = False  # SWF no longer knows the task (timed out, workflow closed)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def __enter__(self) -> Heartbeater:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=self.interval + 5)

    def beat(self) -> None:
        try:
            answer = self.client.record_activity_task_heartbeat(
                taskToken=self.task_token, details=heartbeat_details(self.ctx.progress()))
        except Exception as exc:  # noqa: BLE001 - a failed heartbeat must not kill the task
            if is_unknown_resource(exc):
                log.warning("heartbeat: SWF no longer knows this task (timed out or workflow closed)")
                self.lost = True
                self.ctx.request_cancel()
                self._done.set()
            else:
                log.warning("heartbeat failed, will retry: %s", exc)
            return
        if answer.get("cancelRequested") and not self.ctx.cancel_requested:
            log.info("heartbeat: the workflow requested cancellation of this task")
            self.ctx.request_cancel()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.beat()
