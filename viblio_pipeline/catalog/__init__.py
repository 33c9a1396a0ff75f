"""The catalog database: media, their assets, stage records, faces, contacts.

`open_catalog(config)` gives the process's Catalog for the configured URL,
migrating the database first so a fresh machine just works.
"""

from __future__ import annotations

import threading

from viblio_pipeline.catalog.catalog import UPDATABLE_FIELDS, Catalog, CatalogError, MediaNotFound
from viblio_pipeline.catalog.engine import catalog_url, make_engine, safe_url
from viblio_pipeline.catalog.migrate import MigrationError, ensure_current
from viblio_pipeline.catalog.models import Base, Contact, Face, Media, MediaAsset, StageRecord
from viblio_pipeline.catalog.status import (
    AssetKind,
    IllegalTransition,
    MediaStatus,
    ReviewStatus,
    StageStatus,
)
from viblio_pipeline.catalog.views import AssetInfo, MediaInfo, StageInfo
from viblio_pipeline.config import Config

_open: dict[str, Catalog] = {}
_open_lock = threading.Lock()


def open_catalog(config: Config, migrate: bool = True) -> Catalog:
    """The Catalog for the configured database, one per URL per process."""
    url = catalog_url(config)
    cache_key = url.render_as_string(hide_password=False)
    with _open_lock:
        catalog = _open.get(cache_key)
        if catalog is None:
            engine = make_engine(url, echo=config.settings.catalog.echo)
            if migrate:
                ensure_current(engine)
            catalog = Catalog(engine)
            _open[cache_key] = catalog
        return catalog


def close_catalogs() -> None:
    """Dispose every open engine (tests, forks)."""
    with _open_lock:
        for catalog in _open.values():
            catalog.engine.dispose()
        _open.clear()


__all__ = [
    "UPDATABLE_FIELDS",
    "AssetInfo",
    "AssetKind",
    "Base",
    "Catalog",
    "CatalogError",
    "Contact",
    "Face",
    "IllegalTransition",
    "Media",
    "MediaAsset",
    "MediaInfo",
    "MediaNotFound",
    "MediaStatus",
    "MigrationError",
    "ReviewStatus",
    "StageInfo",
    "StageRecord",
    "StageStatus",
    "catalog_url",
    "close_catalogs",
    "open_catalog",
    "safe_url",
]
