"""deploy/: the playbook parses, its inventories match the config, and a real run into a
temporary root (local connection, no systemd, no user management) is idempotent."""

from __future__ import annotations

import getpass
import grp
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from viblio_pipeline.config import load_config
from viblio_pipeline.fleet.render import render_host

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
SECRETS = {"LOGGLY_TOKEN": "tok-123", "VIBLIO_DB_PASSWORD": "pa ss'word$", "VIBLIO_WEBHOOK_SECRET": "hook"}


def ansible_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBLIO", "ANSIBLE"))}
    env.update({"ANSIBLE_CONFIG": str(DEPLOY / "ansible.cfg"), "ANSIBLE_LOCAL_TEMP": str(tmp / "ans-local"),
                "ANSIBLE_REMOTE_TEMP": str(tmp / "ans-remote"), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_PIPELINING": "1", **extra})
    return env


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_playbook_passes_the_syntax_check(env: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(DEPLOY / "inventories" / env),
         str(DEPLOY / "site.yml")], cwd=DEPLOY, env=ansible_env(tmp_path), capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_inventory_groups_are_the_hosts_the_config_names(env: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(DEPLOY / "inventories" / env), "--list"],
        env=ansible_env(tmp_path), capture_output=True, text=True, timeout=120, check=True)
    inventory = json.loads(result.stdout)
    roles = load_config(env, require_secrets=False).settings.fleet.roles
    for role in ("popeye", "pipeline"):
        assert sorted(inventory[role]["hosts"]) == sorted(roles[role].hosts)
    some_host = inventory["pipeline"]["hosts"][0]
    assert inventory["_meta"]["hostvars"][some_host]["viblio_env"] == env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real package, built once from a copy of the sources (the checkout stays untouched)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(REPO / "setup.py", src)
    shutil.copytree(REPO / "viblio_pipeline", src / "viblio_pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = src / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(out), str(src)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("viblio_pipeline-*.whl")
    return built


@dataclass
class Deployment:
    root: Path
    conf: Path
    command: list[str]
    env: dict[str, str]
    first: subprocess.CompletedProcess[str] | None = None

    def run(self, **extra_vars: object) -> subprocess.CompletedProcess[str]:
        extra = ["-e", json.dumps(extra_vars)] if extra_vars else []
        return subprocess.run([*self.command, *extra], env=self.env, capture_output=True, text=True,
                              timeout=240, check=False)


def make_deployment(tmp: Path, wheel: Path) -> Deployment:
    """The play against localhost into tmp/srv as the current user, from a snapshot of conf/
    (others may edit the real one between two runs)."""
    root = tmp / "srv"
    conf = tmp / "conf"
    shutil.copytree(REPO / "conf", conf)
    user = getpass.getuser()
    inventory = tmp / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"pipeline": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}}}))
    extra = {
        "viblio_env": "staging", "viblio_root": str(root), "viblio_user": user,
        "viblio_group": grp.getgrgid(os.getgid()).gr_name, "viblio_code_owner": user,
        "viblio_become": False, "viblio_manage_user": False, "viblio_supervisord": False,
        "viblio_systemd": False, "viblio_package": str(wheel), "viblio_python": sys.executable,
        # offline: the package only (its dependencies cannot be downloaded here), installed by
        # this interpreter's pip into the release venv (creating a venv's own pip is slow)
        "viblio_venv_args": ["--without-pip"], "viblio_pip_args": "--no-index --no-deps",
        "viblio_pip": f"{sys.executable} -m pip --python {{{{ viblio_release_dir }}}}/venv/bin/python",
        "viblio_cli": str(BIN / "viblio-pipeline"), "viblio_conf_src": str(conf),
    }
    extra_file = tmp / "extra.json"
    extra_file.write_text(json.dumps(extra))
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", f"@{extra_file}",
               str(DEPLOY / "site.yml")]
    return Deployment(root, conf, command, ansible_env(tmp, **SECRETS))


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Deployment:
    """One first deployment, shared: installing a release is the slow part."""
    deployment = make_deployment(tmp_path_factory.mktemp("deploy"), wheel)
    deployment.first = deployment.run()
    return deployment


def recap(output: str) -> dict[str, int]:
    match = re.search(r"localhost\s*:\s*(.*)", output.split("PLAY RECAP")[-1])
    assert match, output
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.mark.timeout(300)
def test_first_deploy_installs_the_release_config_secrets_and_supervisord_file(deployed: Deployment) -> None:
    first, root = deployed.first, deployed.root
    assert first is not None
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert recap(first.stdout)["changed"] > 0 and recap(first.stdout)["failed"] == 0

    # the release: a versioned virtualenv with the package installed, `current` pointing at it
    release = (root / "current").resolve()
    assert release.parent == root / "releases" and release.name.startswith("0.1.0-")
    shown = subprocess.run([sys.executable, "-m", "pip", "--python", str(root / "current" / "venv" / "bin" / "python"),
                            "show", "viblio-pipeline"], capture_output=True, text=True, check=True, timeout=60)
    assert "Version: 0.1.0" in shown.stdout
    assert (release / "venv" / "bin" / "viblio-pipeline").exists()

    # config, secrets (0600, loadable by the wrapper), supervisord file for the role
    assert sorted(p.name for p in (root / "conf").glob("*.yaml")) == sorted(
        p.name for p in deployed.conf.glob("*.yaml"))
    env_file = root / "conf" / "viblio.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    loaded = subprocess.run([str(root / "bin" / "with-env"), "sh", "-c",
                             'printf "%s|%s" "$LOGGLY_TOKEN" "$VIBLIO_DB_PASSWORD"'],
                            capture_output=True, text=True, check=True, timeout=30)
    assert loaded.stdout == "tok-123|pa ss'word$"
    unreadable = subprocess.run([str(root / "bin" / "with-env"), "true"], capture_output=True, text=True,
                                env={**os.environ, "VIBLIO_ENV_FILE": str(root / "conf" / "missing.env")},
                                timeout=30, check=False)
    assert unreadable.returncode == 78 and "cannot read" in unreadable.stderr
    expected = render_host(load_config("staging", deployed.conf, environ={
        "VIBLIO__FLEET__ROOT": str(root), "VIBLIO__FLEET__USER": getpass.getuser()},
        require_secrets=False).settings, "pipeline")
    assert (root / "supervisord" / "supervisord.conf").read_text() == expected
    for state_dir in ("var", "log", "spool"):
        assert (root / state_dir).is_dir()


@pytest.mark.timeout(300)
def test_deploying_again_with_nothing_new_changes_nothing(deployed: Deployment) -> None:
    assert deployed.first is not None and deployed.first.returncode == 0
    again = deployed.run()
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-4000:]


@pytest.mark.timeout(300)
def test_rollout_fails_on_a_host_whose_programs_do_not_reach_running(deployed: Deployment) -> None:
    """The release here has no dependencies installed (offline), so every program dies at
    import: the play starts supervisord, drains and restarts, and the gate must stop it."""
    from fleetkit import stop_supervisord

    from viblio_pipeline.fleet.supervisor_client import Supervisor

    supervisor = Supervisor(deployed.root / "var" / "supervisor.sock")
    try:
        result = deployed.run(viblio_supervisord=True, viblio_supervisor_bin=str(BIN), viblio_gate_retries=2,
                              viblio_gate_delay=1, viblio_restart_needed=True)
        assert result.returncode != 0
        assert "not all programs are RUNNING on localhost" in result.stdout, result.stdout[-3000:]
        states = {p.full_name: p.state for p in supervisor.processes()}
        assert "pipeline:transcode_00" in states and "RUNNING" not in states.values()
        assert "ModuleNotFoundError" in supervisor.tail("pipeline:transcode_00"), (
            "the program ran the release's own CLI through bin/with-env")
    finally:
        stop_supervisord(supervisor, deployed.root / "var" / "supervisord.pid")


@pytest.mark.timeout(300)
def test_missing_secret_fails_the_play_naming_it(tmp_path: Path, wheel: Path) -> None:
    deployment = make_deployment(tmp_path, wheel)
    deployment.env.pop("VIBLIO_WEBHOOK_SECRET")
    result = deployment.run()
    assert result.returncode != 0
    assert "secret VIBLIO_WEBHOOK_SECRET has no value" in result.stdout
    assert not (deployment.root / "conf" / "viblio.env").exists()
