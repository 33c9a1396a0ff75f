"""The layered configuration: what loads, what wins, and how errors read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from viblio_pipeline.config import ConfigError, check_all, load_config

REPO = Path(__file__).resolve().parents[2]
SECRETS = {"LOGGLY_TOKEN": "tok", "VIBLIO_DB_PASSWORD": "pw", "VIBLIO_WEBHOOK_SECRET": "hook"}


def test_every_shipped_environment_is_valid() -> None:
    assert check_all(REPO / "conf", environ={}) == {"local": None, "prod": None, "staging": None}


def test_every_shipped_environment_is_valid_with_its_secrets() -> None:
    assert set(check_all(REPO / "conf", environ=SECRETS, require_secrets=True).values()) == {None}


def test_local_is_the_default_environment(conf_dir: Path) -> None:
    assert load_config(conf_dir=conf_dir, environ={}).env == "local"


def test_viblio_env_selects_the_environment(conf_dir: Path) -> None:
    config = load_config(conf_dir=conf_dir, environ={"VIBLIO_ENV": "staging", **SECRETS})
    assert config.settings.storage.backend == "s3"


def test_environment_file_deep_merges_over_base(conf_dir: Path) -> None:
    settings = load_config("local", conf_dir, environ={}).settings
    assert settings.swf.task_list_suffix == "-local"
    assert settings.swf.domain == "Viblio"  # from base, untouched by local.yaml
    assert settings.swf.workflow.name == "VideoProcessing"


def test_environment_variable_overrides_win_over_files(conf_dir: Path) -> None:
    environ = {"VIBLIO__SWF__DOMAIN": "Other", "VIBLIO__STAGES__TRANSCODE__RETRIES_ON_FAILURE": "7"}
    settings = load_config("local", conf_dir, environ=environ).settings
    assert settings.swf.domain == "Other"
    assert settings.stages["transcode"].retries_on_failure == 7


def test_wrong_type_names_file_and_key(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("swf:\n  retention_days: lots\n")
    with pytest.raises(ConfigError) as err:
        load_config("local", conf_dir, environ={})
    assert str(conf_dir / "local.yaml") in str(err.value)
    assert "swf.retention_days" in str(err.value)


def test_unknown_key_names_file_and_key(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("storage:\n  bakend: s3\n")
    with pytest.raises(ConfigError) as err:
        load_config("local", conf_dir, environ={})
    message = str(err.value)
    assert str(conf_dir / "local.yaml") in message
    assert "storage.bakend" in message and "unknown key" in message


def test_bad_override_names_the_environment_variable(conf_dir: Path) -> None:
    with pytest.raises(ConfigError, match="VIBLIO__SWF__RETENTION_DAYS.*swf.retention_days"):
        load_config("local", conf_dir, environ={"VIBLIO__SWF__RETENTION_DAYS": "400"})


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_missing_required_secret_names_file_and_key(conf_dir: Path, env: str) -> None:
    environ = {k: v for k, v in SECRETS.items() if k != "LOGGLY_TOKEN"}
    with pytest.raises(ConfigError) as err:
        load_config(env, conf_dir, environ=environ)
    message = str(err.value)
    assert str(conf_dir / f"{env}.yaml") in message
    assert "secrets.loggly_token" in message and "LOGGLY_TOKEN" in message


def test_secret_values_cannot_be_written_in_files(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("secrets:\n  loggly_token: {env: LOGGLY_TOKEN, value: abc}\n")
    with pytest.raises(ConfigError, match="secrets.loggly_token.value: unknown key"):
        load_config("local", conf_dir, environ={})


def test_malformed_yaml_names_file_and_line(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("swf:\n  domain: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_config("local", conf_dir, environ={})
    assert str(conf_dir / "local.yaml") in str(err.value)
    assert "malformed YAML" in str(err.value) and "line" in str(err.value)


def test_unknown_environment_is_refused(conf_dir: Path) -> None:
    with pytest.raises(ConfigError, match="no such environment 'qa'"):
        load_config("qa", conf_dir, environ={})


def test_dependency_on_unknown_stage_is_refused(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("stages:\n  notify:\n    depends_on: [nope]\n    task_list: n\n")
    with pytest.raises(ConfigError, match="unknown stage 'nope'"):
        load_config("local", conf_dir, environ={})


def test_cyclic_dag_is_refused(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("stages:\n  upload:\n    task_list: u\n    depends_on: [notify]\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config("local", conf_dir, environ={})


def test_dump_masks_secrets(conf_dir: Path) -> None:
    config = load_config("staging", conf_dir, environ=SECRETS)
    dumped = str(config.dump())
    assert "tok" not in dumped.replace("token", "")
    assert config.dump()["secrets"]["loggly_token"]["value"] == "********"


def test_relative_paths_hang_off_the_project_root(conf_dir: Path) -> None:
    config = load_config("local", conf_dir, environ={})
    assert config.var_dir == conf_dir.parent / "var"


def test_stage_task_lists_carry_the_environment_suffix(conf_dir: Path) -> None:
    settings = load_config("local", conf_dir, environ={}).settings
    assert settings.stage_task_list("transcode") == "transcode-local"
    assert settings.stage_task_list("upload", host="popeye-1") == "upload-local-popeye-1"
    assert settings.decider_task_list == "decider-local"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False)


def test_config_show_prints_the_effective_config_with_masked_secrets() -> None:
    env = {"PATH": "/usr/bin:/bin", "LOGGLY_TOKEN": "sekrit-token", "VIBLIO__SWF__DOMAIN": "Shown"}
    result = run_cli("config", "show", env=env)
    assert result.returncode == 0, result.stderr
    assert "domain: Shown" in result.stdout
    assert "sekrit-token" not in result.stdout and "'********'" in result.stdout


def test_config_check_passes_on_shipped_files() -> None:
    result = run_cli("config", "check", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok:", "local", "ok:", "prod", "ok:", "staging"]


def test_config_error_is_one_line_without_traceback(conf_dir: Path) -> None:
    (conf_dir / "local.yaml").write_text("swf: {port: 1}\n")
    result = run_cli("config", "show", env={"PATH": "/usr/bin:/bin", "VIBLIO_CONF_DIR": str(conf_dir)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "swf.port: unknown key" in result.stderr
