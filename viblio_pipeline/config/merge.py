"""Deep merge of configuration layers that remembers where each value came from.

Pure functions: no file or environment access, so the rules are tested directly.
"""

from __future__ import annotations

from typing import Any

import yaml

KeyPath = tuple[str, ...]
Origins = dict[KeyPath, str]

ENV_PREFIX = "VIBLIO__"


def deep_merge(base: dict[str, Any], overlay: dict[str, Any], origin: str,
               origins: Origins, prefix: KeyPath = ()) -> dict[str, Any]:
    """Return base updated by overlay; mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in overlay.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, origin, origins, path)
        else:
            merged[key] = value
            _record(value, path, origin, origins)
    return merged


def _record(value: Any, path: KeyPath, origin: str, origins: Origins) -> None:
    origins[path] = origin
    if isinstance(value, dict):
        for key, sub in value.items():
            _record(sub, (*path, str(key)), origin, origins)


def env_overrides(environ: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Turn VIBLIO__SECTION__KEY=value variables into overlays, one per variable.

    Values are parsed as YAML scalars so numbers and booleans keep their type.
    """
    overlays: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if not parts:
            continue
        raw = environ[name]
        try:
            value: Any = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        overlay: dict[str, Any] = {parts[-1]: value}
        for part in reversed(parts[:-1]):
            overlay = {part: overlay}
        overlays.append((f"environment variable {name}", overlay))
    return overlays


def origin_of(path: KeyPath, origins: Origins, default: str) -> str:
    """The layer that set path, or the closest parent that did."""
    for cut in range(len(path), 0, -1):
        if path[:cut] in origins:
            return origins[path[:cut]]
    return default
