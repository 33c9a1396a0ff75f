"""Stage handlers, one module per stage, looked up by stage name."""

from __future__ import annotations

import importlib

from viblio_pipeline.activities.base import (
    ActivityContext,
    ActivityError,
    CancelRequested,
    CompleteLater,
    Handler,
    Payload,
    Result,
)

# stage name -> "module:function"; each module is imported only by its worker.
HANDLERS: dict[str, str] = {
    "upload": "viblio_pipeline.activities.upload:handle",
    "notify": "viblio_pipeline.activities.notify:handle",
    "detect_faces": "viblio_pipeline.activities.detect_faces:handle",
    "recognize_faces": "viblio_pipeline.activities.recognize_faces:handle",
    "transcode": "viblio_pipeline.activities.transcode:handle",
    "previews": "viblio_pipeline.activities.previews:handle",
}


def load_handler(stage: str) -> Handler:
    """The handler of a stage, or a clear error naming the known stages."""
    target = HANDLERS.get(stage)
    if target is None:
        known = ", ".join(sorted(HANDLERS)) or "none"
        raise ActivityError("unknown_stage", f"no handler for stage {stage!r} (known: {known})", retry=False)
    module_name, attr = target.split(":")
    handler: Handler = getattr(importlib.import_module(module_name), attr)
    return handler


__all__ = [
    "HANDLERS",
    "ActivityContext",
    "ActivityError",
    "CancelRequested",
    "CompleteLater",
    "Handler",
    "Payload",
    "Result",
    "load_handler",
]
