"""The `viblio-pipeline` command: a thin shell over the package's commands.

Subcommands are imported lazily so that `--help` and quick commands don't pay
for the media stack. Every error ends as one line on stderr and a non-zero
exit, unless --debug asks for the traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from viblio_pipeline.config import ConfigError

# name -> (module:attribute, one-line help). Keep sorted by workflow of use.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("viblio_pipeline.cli.demo_cmd:demo", "Run the pipeline on the embedded default, end to end."),
    "config": ("viblio_pipeline.cli.config_cmd:config", "Show or check the layered configuration."),
    "register": ("viblio_pipeline.cli.process_cmds:register", "Register the SWF domain and types (idempotent)."),
    "decider": ("viblio_pipeline.cli.process_cmds:decider", "Run the VideoProcessing decider (foreground)."),
    "worker": ("viblio_pipeline.cli.process_cmds:worker", "Run one stage's activity worker (foreground)."),
    "swf-server": ("viblio_pipeline.cli.swf_server:swf_server", "Run the embedded SWF-compatible service in the foreground."),
    "submit": ("viblio_pipeline.cli.submit_cmd:submit", "Spool a video file and start its workflow (as Popeye does)."),
    "start": ("viblio_pipeline.cli.workflow_cmds:start", "Start processing a media by its uuid."),
    "status": ("viblio_pipeline.cli.workflow_cmds:status", "Open executions and task-list backlogs."),
    "history": ("viblio_pipeline.cli.workflow_cmds:history", "A readable timeline of one execution."),
    "replay": ("viblio_pipeline.cli.replay_cmd:replay", "Print the decisions the decider makes for a saved history."),
    "signal": ("viblio_pipeline.cli.workflow_cmds:signal", "Send a signal (e.g. cancel) to a workflow."),
    "inject": ("viblio_pipeline.cli.workflow_cmds:inject", "Schedule one stage into a running workflow."),
    "terminate": ("viblio_pipeline.cli.workflow_cmds:terminate", "Terminate a running workflow."),
    "review": ("viblio_pipeline.cli.review_cmd:review", "List and answer faces queued for human review."),
    "db": ("viblio_pipeline.cli.db_cmd:db", "Migrate the catalog database or show its schema revision."),
    "media": ("viblio_pipeline.cli.media_cmd:media", "Show a media's record, assets and stages, or list media."),
    "run-activity": ("viblio_pipeline.cli.run_activity_cmd:run_activity", "Run one stage's handler here, without SWF."),
    "fleet": ("viblio_pipeline.cli.fleet_cmd:fleet", "Run the fleet: supervisord config, local fleet up/down/status."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands load on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class CliState:
    """Options every subcommand can see through click's context object."""

    def __init__(self, env: str | None, debug: bool) -> None:
        self.env = env
        self.debug = debug


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--env", "env", metavar="ENV", default=None,
              help="Environment (local, staging, prod); default $VIBLIO_ENV or local.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, env: str | None, debug: bool) -> None:
    """viblio-pipeline: the SWF video-processing fleet."""
    ctx.obj = CliState(env=env, debug=debug)


def main(argv: list[str] | None = None) -> Any:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="viblio-pipeline", standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
        return code
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        if debug:
            raise
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        if debug:
            raise
        click.echo(f"error: config: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
