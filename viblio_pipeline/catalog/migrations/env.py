"""Alembic environment: runs on the connection the caller passes in.

See viblio_pipeline.catalog.migrate; there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from viblio_pipeline.catalog.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run catalog migrations through viblio_pipeline.catalog.migrate (or `db upgrade`)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
