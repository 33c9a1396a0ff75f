"""The supervisord files: derived from config, accepted by supervisor's own parser, checked in."""

from __future__ import annotations

import configparser
import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

from viblio_pipeline.config import load_config
from viblio_pipeline.config.schema import Settings
from viblio_pipeline.fleet.render import (
    LONG_POLL_SECONDS,
    RenderError,
    render_host,
    render_local,
    stopwaitsecs_for,
)

REPO = Path(__file__).resolve().parents[2]
FFMPEG_STAGES = {"transcode", "previews", "detect_faces"}


def settings_for(env: str, conf_dir: Path | None = None, **overrides: str) -> Settings:
    return load_config(env, conf_dir, environ=overrides, require_secrets=False).settings


def parse_with_supervisor(path: Path) -> ServerOptions:
    """supervisord's own reading of a config file (what `supervisord -c` would do)."""
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    return options


def sections(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def test_stopwaitsecs_covers_a_long_poll_then_the_longest_attempt_after_timeout_retries_plus_margin() -> None:
    settings = settings_for("staging", VIBLIO__FLEET__STOP_MARGIN="60")
    # transcode: start_to_close 3600, retries_on_timeout 2 reaches multiplier x4
    assert stopwaitsecs_for(settings, "pipeline", "transcode") == LONG_POLL_SECONDS + 3600 * 4 + 60


def test_stopwaitsecs_only_counts_multipliers_that_retries_can_reach() -> None:
    settings = settings_for("staging", VIBLIO__STAGES__NOTIFY__RETRIES_ON_TIMEOUT="0",
                            VIBLIO__FLEET__STOP_MARGIN="30")
    assert stopwaitsecs_for(settings, "pipeline", "notify") == LONG_POLL_SECONDS + 300 + 30


def test_manual_review_timeouts_do_not_stretch_the_drain() -> None:
    settings = settings_for("staging")
    stage = settings.stages["recognize_faces"]
    assert stage.manual_timeouts is not None
    manual = stage.manual_timeouts.start_to_close
    assert isinstance(manual, int)
    assert stopwaitsecs_for(settings, "pipeline", "recognize_faces") < manual


def test_decider_drain_follows_the_decision_task_timeout() -> None:
    settings = settings_for("staging", VIBLIO__SWF__WORKFLOW__TASK_START_TO_CLOSE="45",
                            VIBLIO__FLEET__STOP_MARGIN="15")
    assert stopwaitsecs_for(settings, "pipeline", "decider") == LONG_POLL_SECONDS + 45 + 15


def test_explicit_stopwaitsecs_wins_over_the_derived_one(conf_dir: Path) -> None:
    settings = settings_for("staging", conf_dir,
                            VIBLIO__FLEET__ROLES__PIPELINE__PROGRAMS__TRANSCODE__STOPWAITSECS="999")
    assert stopwaitsecs_for(settings, "pipeline", "transcode") == 999


def test_unbounded_stage_without_explicit_stopwaitsecs_is_a_clear_error() -> None:
    settings = settings_for("staging", VIBLIO__STAGES__PREVIEWS__TIMEOUTS__START_TO_CLOSE="NONE")
    with pytest.raises(RenderError, match=r"fleet\.roles\.pipeline\.programs\.previews\.stopwaitsecs"):
        render_host(settings, "pipeline")


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(RenderError, match="no role 'worker'.*known: popeye, pipeline"):
        render_host(settings_for("staging"), "worker")


def test_pipeline_role_runs_decider_and_every_processing_stage_with_configured_counts() -> None:
    settings = settings_for("prod")
    parsed = sections(render_host(settings, "pipeline"))
    assert parsed.get("group:pipeline", "programs").split(",") == [
        "decider", "transcode", "previews", "detect_faces", "recognize_faces", "notify"]
    for name, spec in settings.fleet.roles["pipeline"].programs.items():
        section = f"program:{name}"
        assert parsed.getint(section, "numprocs") == spec.processes
        assert parsed.get(section, "process_name") == "%(program_name)s_%(process_num)02d"
        subcommand = "decider" if name == "decider" else f"worker {name}"
        assert parsed.get(section, "command") == (
            f"/srv/viblio/bin/with-env /srv/viblio/current/venv/bin/viblio-pipeline --env prod {subcommand}")


def test_popeye_role_runs_only_the_upload_worker() -> None:
    parsed = sections(render_host(settings_for("staging"), "popeye"))
    programs = [s for s in parsed.sections() if s.startswith("program:")]
    assert programs == ["program:upload"]
    assert parsed.get("program:upload", "command").endswith("--env staging worker upload")


def test_every_program_drains_on_term_restarts_on_crash_and_rotates_unbuffered_logs() -> None:
    parsed = sections(render_host(settings_for("staging"), "pipeline"))
    for section in (s for s in parsed.sections() if s.startswith("program:")):
        stage = section.split(":", 1)[1]
        assert parsed.get(section, "stopsignal") == "TERM"
        assert parsed.getint(section, "stopwaitsecs") > 10, "supervisord's 10 s default kills long tasks"
        assert parsed.get(section, "autorestart") == "true"
        assert parsed.getint(section, "startsecs") > 0
        assert parsed.get(section, "stdout_logfile_maxbytes") == "50MB"
        assert parsed.getint(section, "stdout_logfile_backups") == 10
        assert 'PYTHONUNBUFFERED="1"' in parsed.get(section, "environment")
        as_group = "true" if stage in FFMPEG_STAGES else "false"
        assert parsed.get(section, "stopasgroup") == as_group
        assert parsed.get(section, "killasgroup") == as_group


def test_socket_is_reserved_to_the_service_user() -> None:
    parsed = sections(render_host(settings_for("staging", VIBLIO__FLEET__USER="svc"), "pipeline"))
    assert parsed.get("unix_http_server", "chmod") == "0700"
    assert parsed.get("unix_http_server", "chown") == "svc"  # and the user's own group
    assert parsed.get("unix_http_server", "file") == "/srv/viblio/var/supervisor.sock"


def test_rendered_host_file_is_accepted_by_supervisors_parser(tmp_path: Path) -> None:
    settings = settings_for("staging", VIBLIO__FLEET__USER=getpass.getuser(), VIBLIO__FLEET__ROOT=str(tmp_path))
    for directory in ("log", "var"):  # the deployment creates them
        (tmp_path / directory).mkdir()
    path = tmp_path / "pipeline.conf"
    path.write_text(render_host(settings, "pipeline"))
    options = parse_with_supervisor(path)
    by_name = {g.name: g for g in options.process_group_configs}
    assert set(by_name) == {"pipeline"}
    processes = {p.name: p for p in by_name["pipeline"].process_configs}
    assert sorted(processes) == sorted(
        [f"{name}_{i:02d}" for name, spec in settings.fleet.roles["pipeline"].programs.items()
         for i in range(spec.processes)])
    transcode = processes["transcode_00"]
    assert transcode.stopwaitsecs == stopwaitsecs_for(settings, "pipeline", "transcode")
    assert transcode.killasgroup is True and transcode.stopasgroup is True
    assert transcode.stdout_logfile == str(tmp_path / "log" / "transcode_00.log")
    assert transcode.environment["PYTHONUNBUFFERED"] == "1"
    assert options.server_configs[0]["file"] == str(tmp_path / "var" / "supervisor.sock")
    assert options.server_configs[0]["chmod"] == 0o700


def test_local_fleet_file_is_accepted_by_supervisors_parser(tmp_path: Path) -> None:
    config = load_config("local", environ={"VIBLIO__PATHS__VAR_DIR": str(tmp_path / "var")})
    (tmp_path / "var" / "log").mkdir(parents=True)  # `fleet up` creates it
    path = tmp_path / "fleet.conf"
    path.write_text(render_local(config, [sys.executable, "-m", "viblio_pipeline"]))
    options = parse_with_supervisor(path)
    groups = {g.name: g for g in options.process_group_configs}
    assert sorted(groups, key=lambda g: groups[g].priority)[0] == "swf"  # starts first, stops last
    assert set(groups) == {"swf", "pipeline", "popeye"}
    swf = {p.name: p for p in groups["swf"].process_configs}
    assert swf["swf-server_00"].priority < swf["register_00"].priority < min(
        p.priority for g in ("pipeline", "popeye") for p in groups[g].process_configs)
    register = swf["register_00"]
    assert (register.autorestart, register.startsecs, register.exitcodes) == (False, 0, [0])
    assert swf["swf-server_00"].autostart is True
    assert all(not p.autostart for g in ("pipeline", "popeye") for p in groups[g].process_configs)
    assert options.pidfile == str(tmp_path / "var" / "supervisord.pid")
    assert options.childlogdir == str(tmp_path / "var" / "log")


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("role", ["popeye", "pipeline"])
def test_checked_in_file_is_what_render_produces_today(env: str, role: str) -> None:
    checked_in = REPO / "supervisord" / env / f"{role}.conf"
    rendered = subprocess.run(
        [sys.executable, "-m", "viblio_pipeline", "fleet", "render", "--env", env, "--role", role],
        capture_output=True, text=True, check=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")}).stdout
    assert checked_in.read_text() == rendered, (
        f"{checked_in} is stale: run `viblio-pipeline fleet render --env {env} --role {role} "
        f"--output {checked_in.relative_to(REPO)}`")
