"""One JSON object per line: what supervisord captures and Loggly indexes."""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from viblio_pipeline.logs.context import bound_fields

# Attributes every LogRecord has; anything else passed through `extra=` is kept.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record with the process identity and the bound task context."""

    def __init__(self, env: str, role: str, host: str | None = None) -> None:
        super().__init__()
        self.env = env
        self.role = role
        self.host = host or socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "env": self.env,
            "role": self.role,
            "host": self.host,
            "pid": os.getpid(),
        }
        event.update(bound_fields())
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                event[key] = value
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str, ensure_ascii=False)
