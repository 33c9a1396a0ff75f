"""Layered, validated configuration (base + environment + VIBLIO__ overrides)."""

from viblio_pipeline.config.loader import (
    ENVIRONMENTS,
    Config,
    ConfigError,
    check_all,
    default_conf_dir,
    load_config,
    selected_env,
)
from viblio_pipeline.config.schema import Settings, StageConfig

__all__ = [
    "ENVIRONMENTS",
    "Config",
    "ConfigError",
    "Settings",
    "StageConfig",
    "check_all",
    "default_conf_dir",
    "load_config",
    "selected_env",
]
