"""The contract between the worker runtime and a stage handler.

A handler is a plain function `handle(ctx, payload) -> result`: payload is the
workflow input plus, under "results", the results of the stage's dependencies;
the result is small JSON (large data goes to object storage, passed by key).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from viblio_pipeline.config import Config

if TYPE_CHECKING:
    from viblio_pipeline.catalog import Catalog
    from viblio_pipeline.storage import ObjectStore

Payload = dict[str, Any]
Result = dict[str, Any]


class ActivityError(Exception):
    """A failure the handler understands; `retry=False` makes it final at once."""

    def __init__(self, code: str, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry = retry


class CancelRequested(Exception):
    """The workflow asked for this task to be cancelled; stop and clean up."""


class CompleteLater(Exception):
    """The handler parked the task (e.g. for human review): do not respond now.

    Someone else completes it later with the task token.
    """


@dataclass
class ActivityContext:
    """What a handler may use: config, progress reporting, shared resources."""

    config: Config
    stage: str
    attempt: int = 1
    workflow_id: str | None = None
    run_id: str | None = None
    task_token: str | None = None
    _progress: Payload = field(default_factory=dict)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def heartbeat(self, **progress: Any) -> None:
        """Record progress for the next heartbeat; raise if cancel was requested.

        The runtime's heartbeat thread sends it at the configured interval, so
        handlers may call this as often as they like.
        """
        with self._lock:
            self._progress.update(progress)
        if self._cancel.is_set():
            raise CancelRequested(f"{self.stage}: cancel requested by the workflow")

    def progress(self) -> Payload:
        with self._lock:
            return dict(self._progress)

    def request_cancel(self) -> None:
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @cached_property
    def store(self) -> ObjectStore:
        from viblio_pipeline.storage import open_store

        return open_store(self.config)

    @cached_property
    def catalog(self) -> Catalog:
        from viblio_pipeline.catalog import open_catalog

        return open_catalog(self.config)


Handler = Callable[[ActivityContext, Payload], Result]


def media_ids(payload: Payload) -> tuple[str, str]:
    """(media_uuid, user_uuid) from the workflow input, or a final bad_input failure."""
    ids = []
    for name in ("media_uuid", "user_uuid"):
        value = payload.get(name)
        if not isinstance(value, str) or not value:
            raise ActivityError("bad_input", f"workflow input has no {name} (got {value!r})", retry=False)
        ids.append(value)
    return ids[0], ids[1]
