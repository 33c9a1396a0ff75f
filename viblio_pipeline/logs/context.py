"""Fields bound to the task in hand, carried by every log event made inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CONTEXT_FIELDS = (
    "workflow_id", "run_id", "media_uuid", "user_uuid", "activity", "attempt", "duration_ms",
)

_bound: ContextVar[dict[str, Any]] = ContextVar("viblio_log_context", default={})  # noqa: B039


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add fields to every event logged in this context (this thread or task)."""
    current = _bound.get()
    token = _bound.set({**current, **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


def bound_fields() -> dict[str, Any]:
    return dict(_bound.get())
