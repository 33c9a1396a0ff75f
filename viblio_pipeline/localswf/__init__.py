"""Embedded SWF-compatible service: AWS SWF's JSON wire protocol, durable in SQLite.

Unmodified boto3 `swf` clients talk to it through `endpoint_url`. See
docs/LOCAL_SWF.md for what it implements and how to run it.
"""

from viblio_pipeline.localswf.server import LocalSwf, serve

__all__ = ["LocalSwf", "serve"]
