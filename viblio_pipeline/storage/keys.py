"""The object key layout: one deterministic folder per media under its user.

Deterministic keys make a retried stage overwrite its earlier output instead
of leaving a second copy behind.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FORBIDDEN_IN_PART = ("/", "\\", "\x00")


class InvalidKey(ValueError):
    """A key or key part that could escape its media's folder."""


def check_token(label: str, value: str) -> str:
    """A uuid-like token: letters, digits, '-' and '_' (1-64), nothing that walks paths."""
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise InvalidKey(
            f"{label} {value!r} is not a valid id (1-64 of letters, digits, '-', '_', "
            "starting with a letter or digit)"
        )
    return value


def check_part(value: str) -> str:
    """One path segment of a key: non-empty, no slashes, not '.' or '..'."""
    if not isinstance(value, str) or not value or value.strip() != value:
        raise InvalidKey(f"key part {value!r} must be a non-empty string without surrounding spaces")
    if value in (".", "..") or any(c in value for c in _FORBIDDEN_IN_PART):
        raise InvalidKey(f"key part {value!r} must not be '.', '..' or contain a slash or NUL")
    return value


def check_key(key: str) -> str:
    """A whole relative key: every '/'-separated segment is a valid part."""
    if not isinstance(key, str) or not key or key.startswith("/"):
        raise InvalidKey(f"object key {key!r} must be a non-empty relative path")
    for part in key.split("/"):
        check_part(part)
    return key


def media_prefix(user_uuid: str, media_uuid: str) -> str:
    """The folder holding everything stored for one media, ending with '/'."""
    return f"users/{check_token('user_uuid', user_uuid)}/media/{check_token('media_uuid', media_uuid)}/"


def media_key(user_uuid: str, media_uuid: str, *parts: str) -> str:
    """The key of one object of a media, e.g. users/U/media/M/renditions/720p.mp4."""
    if not parts:
        raise InvalidKey("media_key needs at least one part after the uuids (e.g. 'original.mp4')")
    return media_prefix(user_uuid, media_uuid) + "/".join(check_part(p) for p in parts)
