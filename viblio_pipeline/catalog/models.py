"""The catalog's tables as SQLAlchemy 2 models.

Faces and contacts are filled by the face stages; media, assets and stage
records by every stage. Alembic migrations (catalog/migrations) create them;
tests check that the migrations and these models agree.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from viblio_pipeline.catalog.status import AssetKind, MediaStatus, ReviewStatus, StageStatus, parse_enum
from viblio_pipeline.catalog.types import UtcDateTime, utcnow

DESCRIPTOR_LENGTH = 128
ID = String(64)
URI = String(1024)


class Base(DeclarativeBase):
    pass


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow,
                                                 nullable=False)


class Media(Timestamped, Base):
    __tablename__ = "media"
    __table_args__ = (Index("ix_media_user_hash", "user_uuid", "unique_hash"),)

    uuid: Mapped[str] = mapped_column(ID, primary_key=True)
    user_uuid: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[str] = mapped_column(String(16), default=MediaStatus.PENDING.value)
    title: Mapped[str | None] = mapped_column(String(255))
    source_name: Mapped[str | None] = mapped_column(String(255))
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    picture_uri: Mapped[str | None] = mapped_column(URI)
    unique_hash: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[str | None] = mapped_column(ID, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    assets: Mapped[list[MediaAsset]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="MediaAsset.id")
    stages: Mapped[list[StageRecord]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="StageRecord.id")
    faces: Mapped[list[Face]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="Face.track_index")

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str:
        return parse_enum(MediaStatus, value, "media status").value


class MediaAsset(Timestamped, Base):
    """One stored file of a media; (media, kind, name) is unique so retries overwrite."""

    __tablename__ = "media_assets"
    __table_args__ = (UniqueConstraint("media_uuid", "kind", "name", name="uq_media_assets_kind_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_uuid: Mapped[str] = mapped_column(ID, ForeignKey("media.uuid", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    uri: Mapped[str] = mapped_column(URI)
    mime_type: Mapped[str] = mapped_column(String(128))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)

    media: Mapped[Media] = relationship(back_populates="assets")

    @validates("kind")
    def _valid_kind(self, _key: str, value: str) -> str:
        return parse_enum(AssetKind, value, "asset kind").value


class StageRecord(Base):
    """The latest attempt of one stage of a media's workflow."""

    __tablename__ = "stage_records"
    __table_args__ = (UniqueConstraint("media_uuid", "stage", name="uq_stage_records_stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_uuid: Mapped[str] = mapped_column(ID, ForeignKey("media.uuid", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    media: Mapped[Media] = relationship(back_populates="stages")

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str:
        return parse_enum(StageStatus, value, "stage status").value


class Contact(Timestamped, Base):
    """A person a user knows; descriptor is the mean of its faces' descriptors."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(ID, unique=True)
    user_uuid: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    descriptor: Mapped[list[float] | None] = mapped_column(JSON)
    face_count: Mapped[int] = mapped_column(Integer, default=0)

    faces: Mapped[list[Face]] = relationship(back_populates="contact")

    @validates("descriptor")
    def _valid_descriptor(self, _key: str, value: list[float] | None) -> list[float] | None:
        return check_descriptor(value)


class Face(Timestamped, Base):
    """One face track of a media: its best crop, where it was seen, who it is."""

    __tablename__ = "faces"
    __table_args__ = (UniqueConstraint("media_uuid", "track_index", name="uq_faces_track"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_uuid: Mapped[str] = mapped_column(ID, ForeignKey("media.uuid", ondelete="CASCADE"), index=True)
    user_uuid: Mapped[str] = mapped_column(ID, index=True)
    track_index: Mapped[int] = mapped_column(Integer)
    crop_uri: Mapped[str | None] = mapped_column(URI)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    descriptor: Mapped[list[float] | None] = mapped_column(JSON)
    bbox: Mapped[list[int] | None] = mapped_column(JSON)  # [left, top, width, height] in source pixels
    first_seen: Mapped[float | None] = mapped_column(Float)  # seconds into the video
    last_seen: Mapped[float | None] = mapped_column(Float)
    frame_count: Mapped[int] = mapped_column(Integer, default=0)
    contact_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    review_status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.NONE.value)
    task_token: Mapped[str | None] = mapped_column(String(1024))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    media: Mapped[Media] = relationship(back_populates="faces")
    contact: Mapped[Contact | None] = relationship(back_populates="faces")

    @validates("review_status")
    def _valid_review_status(self, _key: str, value: str) -> str:
        return parse_enum(ReviewStatus, value, "face review status").value

    @validates("descriptor")
    def _valid_descriptor(self, _key: str, value: list[float] | None) -> list[float] | None:
        return check_descriptor(value)

    @validates("task_token")
    def _valid_task_token(self, _key: str, value: str | None) -> str | None:
        if value is not None and len(value) > 1024:
            raise ValueError(f"task_token is {len(value)} characters; SWF tokens are at most 1024")
        return value


def check_descriptor(value: Any) -> list[float] | None:
    """None or exactly 128 finite numbers (a face-recognition embedding)."""
    if value is None:
        return None
    values = [float(v) for v in value]
    if len(values) != DESCRIPTOR_LENGTH or not all(math.isfinite(v) for v in values):
        raise ValueError(f"a face descriptor must be {DESCRIPTOR_LENGTH} finite numbers (got {len(values)})")
    return values
