"""The initial catalog: media, assets, stage records, contacts, faces.

Revision ID: 0001_initial
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from viblio_pipeline.catalog.types import UtcDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
URI = sa.String(1024)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("uuid", ID, primary_key=True),
        sa.Column("user_uuid", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(255)),
        sa.Column("source_name", sa.String(255)),
        sa.Column("duration", sa.Float()),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("recorded_at", UtcDateTime()),
        sa.Column("picture_uri", URI),
        sa.Column("unique_hash", sa.String(64)),
        sa.Column("duplicate_of", ID),
        sa.Column("error", sa.Text()),
        sa.Column("summary", sa.JSON()),
        *_timestamps(),
    )
    op.create_index("ix_media_user_uuid", "media", ["user_uuid"])
    op.create_index("ix_media_user_hash", "media", ["user_uuid", "unique_hash"])
    op.create_index("ix_media_duplicate_of", "media", ["duplicate_of"])

    op.create_table(
        "media_assets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("media_uuid", ID, sa.ForeignKey("media.uuid", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("uri", URI, nullable=False),
        sa.Column("mime_type", sa.String(128), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("metadata", sa.JSON()),
        *_timestamps(),
        sa.UniqueConstraint("media_uuid", "kind", "name", name="uq_media_assets_kind_name"),
    )

    op.create_table(
        "stage_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("media_uuid", ID, sa.ForeignKey("media.uuid", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime()),
        sa.Column("finished_at", UtcDateTime()),
        sa.Column("error", sa.Text()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("media_uuid", "stage", name="uq_stage_records_stage"),
    )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uuid", ID, nullable=False, unique=True),
        sa.Column("user_uuid", ID, nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("descriptor", sa.JSON()),
        sa.Column("face_count", sa.Integer(), nullable=False),
        *_timestamps(),
    )
    op.create_index("ix_contacts_user_uuid", "contacts", ["user_uuid"])

    op.create_table(
        "faces",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("media_uuid", ID, sa.ForeignKey("media.uuid", ondelete="CASCADE"), nullable=False),
        sa.Column("user_uuid", ID, nullable=False),
        sa.Column("track_index", sa.Integer(), nullable=False),
        sa.Column("crop_uri", URI),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("descriptor", sa.JSON()),
        sa.Column("bbox", sa.JSON()),
        sa.Column("first_seen", sa.Float()),
        sa.Column("last_seen", sa.Float()),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL")),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("task_token", sa.String(1024)),
        sa.Column("reviewed_at", UtcDateTime()),
        *_timestamps(),
        sa.UniqueConstraint("media_uuid", "track_index", name="uq_faces_track"),
    )
    op.create_index("ix_faces_media_uuid", "faces", ["media_uuid"])
    op.create_index("ix_faces_user_uuid", "faces", ["user_uuid"])
    op.create_index("ix_faces_contact_id", "faces", ["contact_id"])


def downgrade() -> None:
    for table in ("faces", "contacts", "stage_records", "media_assets", "media"):
        op.drop_table(table)
