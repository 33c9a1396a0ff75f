"""Frozen, session-free views of catalog rows, safe to pass around and print."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from viblio_pipeline.catalog.models import Media, MediaAsset, StageRecord


@dataclass(frozen=True)
class AssetInfo:
    kind: str
    name: str
    uri: str
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    metadata: dict[str, Any] | None
    updated_at: datetime

    @classmethod
    def of(cls, row: MediaAsset) -> AssetInfo:
        return cls(kind=row.kind, name=row.name, uri=row.uri, mime_type=row.mime_type,
                   size_bytes=row.size_bytes, width=row.width, height=row.height,
                   metadata=row.meta, updated_at=row.updated_at)


@dataclass(frozen=True)
class StageInfo:
    stage: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, row: StageRecord) -> StageInfo:
        return cls(stage=row.stage, status=row.status, attempts=row.attempts,
                   started_at=row.started_at, finished_at=row.finished_at, error=row.error)


@dataclass(frozen=True)
class MediaInfo:
    uuid: str
    user_uuid: str
    status: str
    title: str | None
    source_name: str | None
    duration: float | None
    width: int | None
    height: int | None
    recorded_at: datetime | None
    picture_uri: str | None
    unique_hash: str | None
    duplicate_of: str | None
    error: str | None
    summary: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    assets: tuple[AssetInfo, ...] = ()
    stages: tuple[StageInfo, ...] = ()

    @classmethod
    def of(cls, row: Media, with_children: bool = True) -> MediaInfo:
        return cls(
            uuid=row.uuid, user_uuid=row.user_uuid, status=row.status, title=row.title,
            source_name=row.source_name, duration=row.duration, width=row.width, height=row.height,
            recorded_at=row.recorded_at, picture_uri=row.picture_uri, unique_hash=row.unique_hash,
            duplicate_of=row.duplicate_of, error=row.error, summary=row.summary,
            created_at=row.created_at, updated_at=row.updated_at,
            assets=tuple(AssetInfo.of(a) for a in row.assets) if with_children else (),
            stages=tuple(StageInfo.of(s) for s in row.stages) if with_children else (),
        )

    def asset(self, kind: str, name: str = "") -> AssetInfo | None:
        """The asset of that kind and name, if recorded."""
        return next((a for a in self.assets if a.kind == kind and a.name == name), None)

    def stage(self, name: str) -> StageInfo | None:
        return next((s for s in self.stages if s.stage == name), None)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data (datetimes as ISO 8601)."""
        return _jsonable(asdict(self))  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
