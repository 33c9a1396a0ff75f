"""How a failed activity is reported to SWF: reason <= 256, details JSON.

details is `{"retry": bool, "error": code, "message": text}`; the decider reads
`retry` to decide whether another attempt makes sense.
"""

from __future__ import annotations

import json
from typing import Any

REASON_LIMIT = 256
DETAILS_LIMIT = 32768
HEARTBEAT_DETAILS_LIMIT = 2048


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_payload(code: str, message: str, retry: bool) -> tuple[str, str]:
    """(reason, details) for RespondActivityTaskFailed, within SWF's limits."""
    reason = truncate(f"{code}: {message}", REASON_LIMIT)
    details: dict[str, Any] = {"retry": retry, "error": code, "message": message}
    encoded = json.dumps(details)
    if len(encoded) > DETAILS_LIMIT:
        details["message"] = truncate(message, DETAILS_LIMIT - 200)
        encoded = json.dumps(details)
    return reason, encoded


def heartbeat_details(progress: dict[str, Any]) -> str:
    """Progress as JSON no longer than SWF's 2,048 characters."""
    encoded = json.dumps(progress, default=str)
    if len(encoded) <= HEARTBEAT_DETAILS_LIMIT:
        return encoded
    trimmed = {k: v for k, v in progress.items() if isinstance(v, int | float | bool)}
    encoded = json.dumps(trimmed)
    return encoded if len(encoded) <= HEARTBEAT_DETAILS_LIMIT else "{}"
