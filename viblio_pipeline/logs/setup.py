"""The one logging set-up every process uses (call it after any fork)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO
from urllib.parse import quote

from viblio_pipeline.config import Config
from viblio_pipeline.logs.jsonfmt import JsonFormatter
from viblio_pipeline.logs.loggly import LogglyShipper

_installed: list[logging.Handler] = []


def setup_logging(config: Config, role: str, debug: bool = False, stream: TextIO | None = None) -> None:
    """JSON lines on stdout for everything; Loggly too when a token is set."""
    shutdown_logging()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else config.settings.logging.level)
    formatter = JsonFormatter(env=config.env, role=role)

    console = logging.StreamHandler(stream or sys.stdout)
    console.setFormatter(formatter)
    handlers: list[logging.Handler] = [console]

    token = config.secrets.loggly_token
    if token is not None:
        loggly = config.settings.loggly
        tags = ",".join([*loggly.tags, config.env, role])
        url = loggly.url.format(token=quote(token.get_secret_value(), safe=""), tags=quote(tags, safe=","))
        shipper = LogglyShipper(url, loggly.queue_size, loggly.request_timeout, loggly.drain_seconds)
        shipper.setFormatter(formatter)
        handlers.append(shipper)

    for handler in handlers:
        root.addHandler(handler)
        _installed.append(handler)
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not debug else logging.INFO)


def shutdown_logging() -> None:
    """Remove and close what setup_logging installed (bounded drain for Loggly)."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
