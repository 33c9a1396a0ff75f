"""A readable timeline of an SWF history, for `viblio-pipeline history`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# The attribute worth a glance for each event type, besides ids.
_HIGHLIGHTS = ("activityType", "activityId", "timerId", "signalName", "reason", "cause", "timeoutType",
               "startToFireTimeout", "markerName", "details", "result", "input")


def _when(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    return moment.astimezone(UTC).strftime("%H:%M:%S.%f")[:-3]


def _attributes(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventAttributes") and isinstance(value, dict):
            return value
    return {}


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, dict) and "name" in value:
        text = f"{value['name']}" + (f"@{value['version']}" if "version" in value else "")
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_timeline(events: list[dict[str, Any]]) -> list[str]:
    lines = []
    for event in events:
        attrs = _attributes(event)
        parts = [f"{key}={_short(attrs[key])}" for key in _HIGHLIGHTS if key in attrs]
        refs = [f"{key}={attrs[key]}" for key in ("scheduledEventId", "startedEventId") if key in attrs]
        when = _when(event["eventTimestamp"])
        lines.append(f"{event['eventId']:>5}  {when}  {event['eventType']:<40} {' '.join(parts + refs)}".rstrip())
    return lines
