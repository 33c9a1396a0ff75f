"""Load, merge and validate the configuration of one environment.

Layers, lowest first: conf/base.yaml, conf/<env>.yaml, VIBLIO__SECTION__KEY
environment variables. Secrets are read from the environment variables that
the `secrets` section names, never from files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from viblio_pipeline.config.merge import Origins, deep_merge, env_overrides, origin_of
from viblio_pipeline.config.schema import ResolvedSecrets, Settings

ENVIRONMENTS = ("local", "staging", "prod")
DEFAULT_ENV = "local"


class ConfigError(Exception):
    """A configuration problem, worded as file, key path and what is wrong."""


@dataclass(frozen=True)
class Config:
    """One environment's validated settings plus where they live on disk."""

    settings: Settings
    secrets: ResolvedSecrets
    conf_dir: Path
    root: Path

    @property
    def env(self) -> str:
        return self.settings.env

    def path(self, value: str) -> Path:
        """Resolve a configured path; relative ones hang off the project root."""
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    @property
    def var_dir(self) -> Path:
        return self.path(self.settings.paths.var_dir)

    def dump(self) -> dict[str, Any]:
        """The effective config as plain data, secrets masked."""
        data = self.settings.model_dump(mode="json")
        data["secrets"] = {
            name: {
                **spec,
                "value": "********" if getattr(self.secrets, name) is not None else None,
            }
            for name, spec in data["secrets"].items()
        }
        return data


def default_conf_dir() -> Path:
    explicit = os.environ.get("VIBLIO_CONF_DIR")
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parents[2] / "conf"


def selected_env(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return explicit or environ.get("VIBLIO_ENV") or DEFAULT_ENV


def load_config(env: str | None = None, conf_dir: Path | None = None,
                environ: Mapping[str, str] | None = None, require_secrets: bool = True) -> Config:
    """Build the validated Config for env or raise ConfigError with one clear line."""
    environ = dict(os.environ if environ is None else environ)
    env = selected_env(env, environ)
    conf_dir = conf_dir or default_conf_dir()
    base_file = conf_dir / "base.yaml"
    env_file = conf_dir / f"{env}.yaml"
    if not env_file.is_file():
        known = sorted(p.stem for p in conf_dir.glob("*.yaml") if p.stem != "base")
        raise ConfigError(f"{env_file}: no such environment {env!r} (known: {', '.join(known) or 'none'})")

    origins: Origins = {}
    data: dict[str, Any] = {}
    for path in (base_file, env_file):
        data = deep_merge(data, _read_yaml(path), str(path), origins)
    for origin, overlay in env_overrides(environ):
        data = deep_merge(data, overlay, origin, origins)
    data["env"] = env

    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, origins, str(env_file))) from None

    secrets = _resolve_secrets(settings, environ, origins, str(env_file), require_secrets)
    root = Path(settings.paths.root).expanduser() if settings.paths.root else conf_dir.resolve().parent
    return Config(settings=settings, secrets=secrets, conf_dir=conf_dir, root=root)


def check_all(conf_dir: Path | None = None, environ: Mapping[str, str] | None = None,
              require_secrets: bool = False) -> dict[str, str | None]:
    """Validate every environment's files; map env -> error (None when valid)."""
    conf_dir = conf_dir or default_conf_dir()
    results: dict[str, str | None] = {}
    envs = sorted(p.stem for p in conf_dir.glob("*.yaml") if p.stem != "base")
    for env in envs:
        try:
            load_config(env, conf_dir, environ, require_secrets=require_secrets)
            results[env] = None
        except ConfigError as exc:
            results[env] = str(exc)
    return results


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: malformed YAML: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: top level must be a mapping of sections, not {type(loaded).__name__}")
    return loaded


def _explain(exc: ValidationError, origins: Origins, default_origin: str) -> str:
    problems = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        key = ".".join(loc) or "(top level)"
        origin = origin_of(loc, origins, default_origin)
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (not allowed here)"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif "input" in error and error["type"] not in ("value_error", "assertion_error"):
            message = f"{message} (got {error['input']!r})"
        problems.append(f"{origin}: {key}: {message}")
    return "; ".join(problems)


def _resolve_secrets(settings: Settings, environ: Mapping[str, str], origins: Origins,
                     default_origin: str, require: bool) -> ResolvedSecrets:
    values: dict[str, SecretStr | None] = {}
    missing = []
    for name, spec in settings.secrets:
        raw = environ.get(spec.env, "")
        values[name] = SecretStr(raw) if raw else None
        if require and spec.required and not raw:
            origin = origin_of(("secrets", name, "required"), origins, default_origin)
            missing.append(
                f"{origin}: secrets.{name}: required secret is not set "
                f"(environment variable {spec.env} is empty or missing)"
            )
    if missing:
        raise ConfigError("; ".join(missing))
    return ResolvedSecrets(**values)
