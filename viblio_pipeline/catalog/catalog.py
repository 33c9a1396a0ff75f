"""The catalog's operations: what the stages and the CLI read and write.

Every method runs in its own short transaction; `session()` is there for
callers (the face stages) that need several changes to commit together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from viblio_pipeline.catalog.models import Face, Media, MediaAsset, StageRecord
from viblio_pipeline.catalog.status import (
    FINISHED_STAGE_STATES,
    MediaStatus,
    ReviewStatus,
    StageStatus,
    check_transition,
    parse_enum,
)
from viblio_pipeline.catalog.types import utcnow
from viblio_pipeline.catalog.views import MediaInfo
from viblio_pipeline.storage.keys import check_token

UPDATABLE_FIELDS = frozenset({
    "title", "source_name", "duration", "width", "height", "recorded_at",
    "picture_uri", "unique_hash", "duplicate_of", "summary", "error",
})


class CatalogError(Exception):
    """A catalog request that cannot be honoured as asked."""


class MediaNotFound(CatalogError, LookupError):
    def __init__(self, media_uuid: str) -> None:
        super().__init__(f"no media {media_uuid!r} in the catalog")
        self.media_uuid = media_uuid


class Catalog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    # -- media ---------------------------------------------------------------

    def create_media(self, media_uuid: str, user_uuid: str, title: str | None = None,
                     source_name: str | None = None) -> None:
        """Record a new pending media; repeating it for the same user is a no-op."""
        check_token("media_uuid", media_uuid)
        check_token("user_uuid", user_uuid)
        with self.session() as session:
            existing = session.get(Media, media_uuid)
            if existing is not None:
                if existing.user_uuid != user_uuid:
                    raise CatalogError(
                        f"media {media_uuid!r} already exists for user {existing.user_uuid!r}, "
                        f"not {user_uuid!r}"
                    )
                return
            session.add(Media(uuid=media_uuid, user_uuid=user_uuid, status=MediaStatus.PENDING.value,
                              title=title, source_name=source_name))

    def media_exists(self, media_uuid: str) -> bool:
        with self.session() as session:
            return session.get(Media, media_uuid) is not None

    def get_media(self, media_uuid: str) -> MediaInfo:
        with self.session() as session:
            row = session.scalar(
                select(Media).where(Media.uuid == media_uuid)
                .options(selectinload(Media.assets), selectinload(Media.stages))
            )
            if row is None:
                raise MediaNotFound(media_uuid)
            return MediaInfo.of(row)

    def list_media(self, user_uuid: str | None = None, status: str | None = None,
                   limit: int = 50) -> list[MediaInfo]:
        """The most recent media first, without their assets and stages."""
        query = select(Media).order_by(Media.created_at.desc(), Media.uuid).limit(limit)
        if user_uuid is not None:
            query = query.where(Media.user_uuid == user_uuid)
        if status is not None:
            query = query.where(Media.status == parse_enum(MediaStatus, status, "media status").value)
        with self.session() as session:
            return [MediaInfo.of(row, with_children=False) for row in session.scalars(query)]

    def set_media_status(self, media_uuid: str, status: str, error: str | None = None) -> None:
        """Move the media along its lifecycle; IllegalTransition if it may not."""
        with self.session() as session:
            row = self._media(session, media_uuid)
            row.status = check_transition(media_uuid, row.status, status).value
            row.error = error

    def update_media(self, media_uuid: str, **fields: Any) -> None:
        """Set descriptive fields (title, duration, picture_uri, summary, ...)."""
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            hint = " (use set_media_status for status)" if "status" in unknown else ""
            raise CatalogError(
                f"update_media: unknown field(s) {', '.join(sorted(unknown))}{hint}; "
                f"allowed: {', '.join(sorted(UPDATABLE_FIELDS))}"
            )
        with self.session() as session:
            row = self._media(session, media_uuid)
            for name, value in fields.items():
                setattr(row, name, value)

    def find_media_by_hash(self, user_uuid: str, unique_hash: str, exclude: str | None = None) -> str | None:
        """The user's earliest original (non-duplicate, not failed) media with that content."""
        query = (
            select(Media.uuid)
            .where(Media.user_uuid == user_uuid, Media.unique_hash == unique_hash,
                   Media.duplicate_of.is_(None), Media.status != MediaStatus.FAILED.value)
            .order_by(Media.created_at, Media.uuid)
            .limit(1)
        )
        if exclude is not None:
            query = query.where(Media.uuid != exclude)
        with self.session() as session:
            return session.scalar(query)

    # -- assets and stages ---------------------------------------------------

    def add_asset(self, media_uuid: str, kind: str, uri: str, mime_type: str, size_bytes: int,
                  width: int | None = None, height: int | None = None, name: str | None = None,
                  metadata: dict[str, Any] | None = None) -> None:
        """Record a stored file; the same (kind, name) again replaces the record."""
        key_name = name or ""
        with self.session() as session:
            self._media(session, media_uuid)
            row = session.scalar(select(MediaAsset).where(
                MediaAsset.media_uuid == media_uuid, MediaAsset.kind == kind, MediaAsset.name == key_name))
            if row is None:
                row = MediaAsset(media_uuid=media_uuid, kind=kind, name=key_name)
                session.add(row)
            row.uri, row.mime_type, row.size_bytes = uri, mime_type, int(size_bytes)
            row.width, row.height, row.meta = width, height, metadata

    def record_stage(self, media_uuid: str, stage: str, status: str, attempt: int,
                     error: str | None = None) -> None:
        """Note a stage's progress: 'running' stamps started_at, a final state finished_at."""
        state = parse_enum(StageStatus, status, "stage status")
        now = utcnow()
        with self.session() as session:
            self._media(session, media_uuid)
            row = session.scalar(select(StageRecord).where(
                StageRecord.media_uuid == media_uuid, StageRecord.stage == stage))
            if row is None:
                row = StageRecord(media_uuid=media_uuid, stage=stage, attempts=0)
                session.add(row)
            row.status = state.value
            row.attempts = max(row.attempts or 0, attempt)
            row.error = error
            if state == StageStatus.RUNNING:
                row.started_at, row.finished_at = now, None
            elif state in FINISHED_STAGE_STATES:
                row.finished_at = now
                row.started_at = row.started_at or now

    # -- faces ---------------------------------------------------------------

    def best_face_crop(self, media_uuid: str) -> str | None:
        """The crop URI of the media's most confident real face, if any."""
        query = (
            select(Face.crop_uri)
            .where(Face.media_uuid == media_uuid, Face.crop_uri.is_not(None),
                   Face.review_status != ReviewStatus.NOT_A_FACE.value)
            .order_by(Face.confidence.desc(), Face.track_index)
            .limit(1)
        )
        with self.session() as session:
            return session.scalar(query)

    @staticmethod
    def _media(session: Session, media_uuid: str) -> Media:
        row = session.get(Media, media_uuid)
        if row is None:
            raise MediaNotFound(media_uuid)
        return row
