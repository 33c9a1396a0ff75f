"""What every subcommand needs from the command line: the config and logging."""

from __future__ import annotations

import json
from typing import Any

import click

from viblio_pipeline.config import Config, load_config
from viblio_pipeline.logs import setup_logging


def cli_env(ctx: click.Context) -> str | None:
    state = ctx.find_root().obj
    return getattr(state, "env", None)


def cli_debug(ctx: click.Context) -> bool:
    return bool(getattr(ctx.find_root().obj, "debug", False))


def load(ctx: click.Context, require_secrets: bool = True) -> Config:
    """The config of the environment chosen by --env / VIBLIO_ENV."""
    return load_config(cli_env(ctx), require_secrets=require_secrets)


def start_process(ctx: click.Context, role: str) -> Config:
    """Load config and set up logging for a long-running process.

    Call this after any fork or daemonization: the Loggly listener thread
    must live in the process that logs.
    """
    config = load(ctx)
    setup_logging(config, role=role, debug=cli_debug(ctx))
    return config


def json_object_option(text: str | None, option: str, empty_ok: bool = True) -> dict[str, Any]:
    """An option's JSON object (empty when not given, if empty_ok), or a usage error naming the option."""
    if not text and empty_ok:
        return {}
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=option) from None
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint=option)
    return value
