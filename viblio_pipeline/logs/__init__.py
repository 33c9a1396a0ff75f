"""Structured JSON logging on stdout, optionally shipped to Loggly."""

from viblio_pipeline.logs.context import bind, bound_fields
from viblio_pipeline.logs.setup import setup_logging, shutdown_logging

__all__ = ["bind", "bound_fields", "setup_logging", "shutdown_logging"]
