"""`viblio-pipeline review`: a person confirms the faces the machine was unsure of.

Answering a media's last queued face completes its parked recognize_faces
task through SWF with the stored task token.
"""

from __future__ import annotations

import json

import click

from viblio_pipeline.cli.context import load
from viblio_pipeline.config import Config

TOO_LATE_EXIT = 3


class ReviewTooLate(click.ClickException):
    exit_code = TOO_LATE_EXIT


@click.group()
def review() -> None:
    """Review queued faces (workflows started with manual: true)."""


@review.command("list")
@click.option("--user", "user_uuid", default=None, help="Only this user's faces.")
@click.option("--media", "media_uuid", default=None, help="Only this media's faces.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_cmd(ctx: click.Context, user_uuid: str | None, media_uuid: str | None, as_json: bool) -> None:
    """Faces awaiting an answer, oldest first."""
    from viblio_pipeline.catalog import open_catalog
    from viblio_pipeline.review.queue import open_reviews

    items = open_reviews(open_catalog(load(ctx, require_secrets=False)), user_uuid, media_uuid)
    if as_json:
        for item in items:
            click.echo(json.dumps(item.to_json()))
        return
    if not items:
        click.echo("no face awaits review")
        return
    click.echo(f"{'FACE':>6}  {'MEDIA':<36}  {'TRACK':>5}  {'CONF':>5}  {'GUESS':<20}  CROP")
    for item in items:
        guess = item.contact_name or (f"contact {item.contact_id}" if item.contact_id else "-")
        click.echo(f"{item.face_id:>6}  {item.media_uuid:<36}  {item.track_index:>5}  "
                   f"{item.confidence:>5.2f}  {guess:<20}  {item.crop_uri or '-'}")


@review.command("answer")
@click.argument("face_id", type=int)
@click.option("--contact", default=None, metavar="C", help="It is this existing contact (id or uuid).")
@click.option("--new-name", default=None, metavar="N", help="It is a new person called N.")
@click.option("--not-a-face", is_flag=True, help="It is not a face at all.")
@click.pass_context
def answer_cmd(ctx: click.Context, face_id: int, contact: str | None, new_name: str | None,
               not_a_face: bool) -> None:
    """Answer for one queued face; the media's last answer completes its task."""
    from viblio_pipeline.catalog import open_catalog
    from viblio_pipeline.review.queue import Answer, ReviewError, answer

    config = load(ctx, require_secrets=False)
    try:
        outcome = answer(open_catalog(config), face_id, Answer(contact, new_name, not_a_face))
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    who = "not a face" if not_a_face else f"contact {outcome.contact_id}"
    click.echo(f"face {face_id}: {who}; {outcome.remaining} face(s) of media {outcome.media_uuid} still pending")
    if outcome.remaining == 0:
        _complete(config, outcome.media_uuid, outcome.task_token, outcome.result)


@review.command("complete")
@click.argument("media_uuid")
@click.pass_context
def complete_cmd(ctx: click.Context, media_uuid: str) -> None:
    """Complete a fully answered media's task again (after a failed attempt)."""
    from viblio_pipeline.catalog import open_catalog
    from viblio_pipeline.review.queue import ReviewError, pending_completion

    config = load(ctx, require_secrets=False)
    try:
        outcome = pending_completion(open_catalog(config), media_uuid)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    if outcome.remaining:
        raise click.ClickException(f"media {media_uuid}: {outcome.remaining} face(s) still await an answer")
    _complete(config, media_uuid, outcome.task_token, outcome.result)


def _complete(config: Config, media_uuid: str, token: str | None, result: dict[str, object] | None) -> None:
    from viblio_pipeline.review.completion import TooLate, complete_task, swf_client

    if not token or result is None:
        raise click.ClickException(f"media {media_uuid}: no task token stored; nothing to complete")
    try:
        complete_task(swf_client(config), token, dict(result))
    except TooLate as exc:
        raise ReviewTooLate(f"media {media_uuid}: review recorded, but too late: {exc}") from exc
    click.echo(f"media {media_uuid}: review complete; recognize_faces task completed")
