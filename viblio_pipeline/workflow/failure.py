"""The failure details contract: `{"retry": bool, "error": code, "message": text}`.

Workers write it (RespondActivityTaskFailed details), the decider reads it.
Anything unreadable counts as a crash, and a crash is retryable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_REASON = 256
MAX_DATA = 32768


@dataclass(frozen=True)
class FailureDetails:
    retry: bool
    error: str
    message: str


def encode_failure_details(error: str, message: str, retry: bool) -> str:
    """The details string of RespondActivityTaskFailed, kept under SWF's limit."""
    message = message[: MAX_DATA // 2]
    return json.dumps({"retry": retry, "error": error, "message": message})


def parse_failure_details(details: str | None, reason: str | None = None) -> FailureDetails:
    """What the failed worker said; a missing or malformed details is a retryable crash."""
    fallback = FailureDetails(retry=True, error="crash", message=reason or details or "no details")
    if not details:
        return fallback
    try:
        data = json.loads(details)
    except ValueError:
        return fallback
    if not isinstance(data, dict):
        return fallback
    retry = data.get("retry")
    error = data.get("error")
    message = data.get("message")
    return FailureDetails(
        retry=retry if isinstance(retry, bool) else True,
        error=error if isinstance(error, str) and error else "crash",
        message=message if isinstance(message, str) and message else (reason or "no message"),
    )


def clip(text: str, limit: int = MAX_REASON) -> str:
    """text cut to limit characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
