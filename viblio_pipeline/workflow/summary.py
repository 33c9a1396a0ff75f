"""Per-stage status summaries: the notify stage's input and the workflow result.

Durations come from event timestamps only, so the same history always gives
the same summary.
"""

from __future__ import annotations

from typing import Any

from viblio_pipeline.workflow.decisions import to_json
from viblio_pipeline.workflow.failure import MAX_DATA, clip
from viblio_pipeline.workflow.state import StageTrack

Summary = dict[str, dict[str, Any]]


def stage_summary(track: StageTrack, status: str, reason: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status, "attempts": len(track.attempts)}
    if track.attempts:
        first = track.attempts[0].scheduled_at
        end = track.completed.closed_at if track.completed else _last_close(track)
        if end is not None:
            entry["duration_ms"] = round((end - first) * 1000)
        run = [a.closed_at - a.started_at for a in track.attempts
               if a.started_at is not None and a.closed_at is not None]
        if run:
            entry["run_ms"] = round(sum(run) * 1000)
    if reason:
        entry["reason"] = clip(reason, 500)
    return entry


def _last_close(track: StageTrack) -> float | None:
    closes = [a.closed_at for a in track.attempts if a.closed_at is not None]
    return max(closes) if closes else None


def bounded_json(data: dict[str, Any], summary_key: str = "summary", limit: int = MAX_DATA) -> str:
    """data as JSON under SWF's limit, shedding the summary's detail if it must."""
    text = to_json(data)
    if len(text) < limit:
        return text
    summary = data.get(summary_key)
    if isinstance(summary, dict):
        slim = {name: {"status": entry.get("status")} for name, entry in summary.items()}
        text = to_json({**data, summary_key: slim})
        if len(text) < limit:
            return text
    return to_json({key: value for key, value in data.items() if key != summary_key})
