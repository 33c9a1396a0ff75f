"""boto3 SWF clients built from config, for AWS and the embedded service alike."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from viblio_pipeline.config import Config

SwfClient = Any  # boto3's generated client type (mypy_boto3_swf is not required at run time)


def make_client(config: Config, read_timeout: float | None = None) -> SwfClient:
    """A client whose read timeout outlasts SWF's 60 s long poll.

    Throttling is retried with exponential backoff by botocore's standard
    retry mode. Against the embedded service (an endpoint_url and no AWS
    credentials in the environment) placeholder credentials are used: it
    does not check signatures.
    """
    swf = config.settings.swf
    boto_config = BotoConfig(
        read_timeout=read_timeout or swf.poll_read_timeout,
        connect_timeout=10,
        retries={"max_attempts": swf.throttle_max_attempts, "mode": "standard"},
        max_pool_connections=32,
    )
    kwargs: dict[str, Any] = {"region_name": swf.region, "config": boto_config}
    if swf.endpoint_url:
        kwargs["endpoint_url"] = swf.endpoint_url
        if not os.environ.get("AWS_ACCESS_KEY_ID") and not os.environ.get("AWS_PROFILE"):
            kwargs["aws_access_key_id"] = "local"
            kwargs["aws_secret_access_key"] = "local"
    return boto3.session.Session().client("swf", **kwargs)


def error_code(exc: BaseException) -> str | None:
    """The SWF fault name of a botocore error (e.g. 'UnknownResourceFault')."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def is_unknown_resource(exc: BaseException) -> bool:
    return error_code(exc) == "UnknownResourceFault"
