"""Reading SWF histories: saved files in, plain event dicts out.

Accepts what operators actually have at hand: the JSON of
GetWorkflowExecutionHistory (`{"events": [...]}`, from boto3 or the AWS CLI),
a bare JSON list of events, or a Python `pprint` dump of boto's history.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from typing import Any

Event = dict[str, Any]


class HistoryError(ValueError):
    """A saved history that cannot be read, with where and why."""


def attributes_key(event_type: str) -> str:
    """"ActivityTaskScheduled" -> "activityTaskScheduledEventAttributes"."""
    return event_type[:1].lower() + event_type[1:] + "EventAttributes"


def attributes(event: Event) -> dict[str, Any]:
    found = event.get(attributes_key(event["eventType"]))
    return found if isinstance(found, dict) else {}


def event_time(event: Event) -> float:
    """The event's timestamp as epoch seconds (boto3 gives datetimes, dumps give numbers)."""
    return to_epoch(event.get("eventTimestamp"))


def to_epoch(value: Any) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return float(value.timestamp())
    if isinstance(value, bool):
        raise HistoryError(f"eventTimestamp must be a time, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return to_epoch(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            raise HistoryError(f"eventTimestamp {value!r} is neither epoch seconds nor ISO 8601") from None
    raise HistoryError(f"eventTimestamp must be a time, got {value!r}")


def load_history(text: str) -> list[Event]:
    """Parse a saved history into events sorted by eventId; HistoryError says what is wrong."""
    data = _parse(text)
    if isinstance(data, dict):
        if "events" not in data:
            keys = ", ".join(sorted(map(str, data))) or "none"
            raise HistoryError(f"a history object needs an 'events' list (found keys: {keys})")
        data = data["events"]
    if not isinstance(data, list):
        raise HistoryError(f"a history is a list of events, got {type(data).__name__}")
    events: list[Event] = []
    seen: set[int] = set()
    for position, event in enumerate(data):
        where = f"event #{position + 1}"
        if not isinstance(event, dict):
            raise HistoryError(f"{where}: an event is an object, got {type(event).__name__}")
        event_id, event_type = event.get("eventId"), event.get("eventType")
        if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id < 1:
            raise HistoryError(f"{where}: eventId must be a positive integer, got {event_id!r}")
        if not isinstance(event_type, str) or not event_type:
            raise HistoryError(f"{where} (eventId {event_id}): eventType is missing")
        if event_id in seen:
            raise HistoryError(f"{where}: eventId {event_id} appears twice")
        seen.add(event_id)
        try:
            timestamp = to_epoch(event.get("eventTimestamp"))
        except HistoryError as exc:
            raise HistoryError(f"{where} (eventId {event_id}): {exc}") from None
        events.append({**event, "eventTimestamp": timestamp})
    events.sort(key=lambda e: e["eventId"])
    return events


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as json_error:
        body = _python_literal_span(text)
        if body is None:
            raise HistoryError(f"not JSON ({json_error}) and no Python list/dict literal found") from None
        try:
            return ast.literal_eval(body)
        except (ValueError, SyntaxError) as exc:
            raise HistoryError(f"neither JSON ({json_error}) nor a Python literal ({exc})") from None


def _python_literal_span(text: str) -> str | None:
    """The outermost [...] or {...} of a pprint dump (drops `>>>` prompts and a trailing None)."""
    starts = [i for i in (text.find("["), text.find("{")) if i >= 0]
    if not starts:
        return None
    start = min(starts)
    end = text.rfind("]" if text[start] == "[" else "}")
    return text[start:end + 1] if end > start else None
