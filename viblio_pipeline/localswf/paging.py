"""Opaque page and task tokens (base64url JSON), and page slicing."""

from __future__ import annotations

import base64
import json
from typing import Any

from viblio_pipeline.localswf.faults import ValidationException


def encode(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, what: str = "nextPageToken") -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationException(f"1 validation error detected: Value '{token[:64]}' at '{what}' "
                                  "failed to satisfy constraint: Member must be a valid token") from None


def page_size(params: dict[str, Any]) -> int:
    """maximumPageSize, defaulting to (and capped by the model at) 1000."""
    size = params.get("maximumPageSize") or 1000
    return int(min(size, 1000))


def event_page(first: int, last: int, reverse: bool, size: int,
               cursor: int | None) -> tuple[range, int | None]:
    """Event ids of one page within [first, last] and the cursor of the next page."""
    if last < first:
        return range(0), None
    if not reverse:
        start = first if cursor is None else cursor
        stop = min(last, start + size - 1)
        nxt = stop + 1 if stop < last else None
        return range(start, stop + 1), nxt
    start = last if cursor is None else cursor
    stop = max(first, start - size + 1)
    nxt = stop - 1 if stop > first else None
    return range(start, stop - 1, -1), nxt
