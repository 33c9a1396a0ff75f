"""The review queue and `viblio-pipeline review`, completing real tasks on the embedded SWF service."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from PIL import Image
from sqlalchemy import select

from viblio_pipeline.activities import ActivityContext, CompleteLater, load_handler
from viblio_pipeline.catalog import Contact, Face, ReviewStatus, open_catalog
from viblio_pipeline.cli.main import cli
from viblio_pipeline.config import Config, load_config
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.samplevideo import astronaut
from viblio_pipeline.review.queue import Answer, ReviewError, answer, open_reviews
from viblio_pipeline.swf.client import make_client

pytestmark = pytest.mark.timeout(90)
USER = "user-r"


@pytest.fixture
def environ(tmp_path: Path, swf_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of this test's config: its own root, catalog, SWF domain."""
    values = {"VIBLIO_ENV": "local", "VIBLIO__PATHS__ROOT": str(tmp_path),
              "VIBLIO__SWF__ENDPOINT_URL": swf_endpoint, "VIBLIO__SWF__DOMAIN": f"faces-{uuid.uuid4().hex[:8]}"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def config(environ: dict[str, str], conf_dir: Path) -> Config:
    return load_config("local", conf_dir, environ=environ)


@pytest.fixture(scope="module")
def her_descriptor() -> list[float]:
    image = Image.fromarray(astronaut().photo)
    face = max(FaceEngine().find(np.asarray(image)), key=lambda f: f.box.area)
    return [float(v) for v in face.descriptor]


class ParkedTask:
    """A real recognize_faces activity task on the embedded SWF service, parked for review."""

    def __init__(self, config: Config, start_to_close: int) -> None:
        self.client = make_client(config, read_timeout=10)
        self.domain = config.settings.swf.domain
        self.workflow_id = f"wf-{uuid.uuid4().hex[:8]}"
        client, domain = self.client, self.domain
        client.register_domain(name=domain, workflowExecutionRetentionPeriodInDays="1")
        client.register_workflow_type(domain=domain, name="W", version="1", defaultTaskList={"name": "d"},
                                      defaultExecutionStartToCloseTimeout="600",
                                      defaultTaskStartToCloseTimeout="30", defaultChildPolicy="TERMINATE")
        client.register_activity_type(domain=domain, name="recognize_faces", version="1")
        self.run_id = client.start_workflow_execution(domain=domain, workflowId=self.workflow_id,
                                                      workflowType={"name": "W", "version": "1"})["runId"]
        decision = client.poll_for_decision_task(domain=domain, taskList={"name": "d"})
        client.respond_decision_task_completed(taskToken=decision["taskToken"], decisions=[{
            "decisionType": "ScheduleActivityTask",
            "scheduleActivityTaskDecisionAttributes": {
                "activityType": {"name": "recognize_faces", "version": "1"}, "activityId": "recognize_faces-1",
                "taskList": {"name": "faces"}, "scheduleToStartTimeout": "60",
                "startToCloseTimeout": str(start_to_close), "scheduleToCloseTimeout": "600",
                "heartbeatTimeout": "NONE"}}])
        self.token = client.poll_for_activity_task(domain=domain, taskList={"name": "faces"})["taskToken"]

    def events(self) -> list[dict[str, Any]]:
        return list(self.client.get_workflow_execution_history(
            domain=self.domain, execution={"workflowId": self.workflow_id, "runId": self.run_id})["events"])

    def event(self, kind: str) -> dict[str, Any] | None:
        return next((e for e in self.events() if e["eventType"] == kind), None)


def queue_faces(config: Config, token: str, descriptors: list[list[float]]) -> str:
    """A media whose uncertain faces recognize_faces queued for review with this token."""
    media = uuid.uuid4().hex
    catalog = open_catalog(config)
    catalog.create_media(media, USER)
    with catalog.session() as session:
        for index, descriptor in enumerate(descriptors, start=1):
            session.add(Face(media_uuid=media, user_uuid=USER, track_index=index, confidence=0.3,
                             descriptor=descriptor, crop_uri=f"file:///c/{index}.jpg", frame_count=1))
    ctx = ActivityContext(config=config, stage="recognize_faces", task_token=token)
    with pytest.raises(CompleteLater):
        load_handler("recognize_faces")(ctx, {"media_uuid": media, "user_uuid": USER, "manual": True})
    return media


def far(descriptor: list[float]) -> list[float]:
    return [descriptor[0] + 1.0, *descriptor[1:]]


def review(*args: str) -> Result:
    return CliRunner().invoke(cli, ["review", *args])


def face_ids(config: Config, media: str) -> list[int]:
    return [item.face_id for item in open_reviews(open_catalog(config), media_uuid=media)]


def test_queued_faces_are_listed_with_their_crop_and_media(config: Config, her_descriptor: list[float]) -> None:
    media = queue_faces(config, "token-list", [her_descriptor, far(her_descriptor)])
    listed = review("list", "--json")
    assert listed.exit_code == 0, listed.output
    items = [json.loads(line) for line in listed.output.splitlines()]
    assert [(i["media_uuid"], i["track_index"], i["crop_uri"]) for i in items] == [
        (media, 1, "file:///c/1.jpg"), (media, 2, "file:///c/2.jpg")]


def test_answering_a_face_that_is_not_queued_is_refused(config: Config) -> None:
    with pytest.raises(ReviewError, match="no face with id 999"):
        answer(open_catalog(config), 999, Answer(not_a_face=True))


def test_an_answer_needs_exactly_one_choice() -> None:
    with pytest.raises(ReviewError, match="exactly one"):
        Answer(contact="1", not_a_face=True)
    with pytest.raises(ReviewError, match="exactly one"):
        Answer()


def test_naming_a_face_creates_a_named_contact_and_drops_the_machines_empty_guess(
    config: Config, her_descriptor: list[float]
) -> None:
    media = queue_faces(config, "token-name", [her_descriptor, far(her_descriptor)])
    outcome = answer(open_catalog(config), face_ids(config, media)[0], Answer(new_name="Eileen Collins"))
    assert outcome.remaining == 1 and outcome.result is None
    with open_catalog(config).session() as session:
        names = sorted(str(c.name) for c in session.scalars(select(Contact).where(Contact.user_uuid == USER)))
    assert names == ["Eileen Collins", "None"]  # the other face's guess is still there


def test_an_answer_naming_another_users_contact_is_refused(config: Config, her_descriptor: list[float]) -> None:
    media = queue_faces(config, "token-other", [her_descriptor])
    catalog = open_catalog(config)
    with catalog.session() as session:
        stranger = Contact(uuid=uuid.uuid4().hex, user_uuid="someone-else", name="X", face_count=0)
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id
    with pytest.raises(ReviewError, match="has no contact"):
        answer(catalog, face_ids(config, media)[0], Answer(contact=str(stranger_id)))


def test_the_last_answer_completes_the_parked_task_and_earlier_ones_do_not(
    config: Config, her_descriptor: list[float]
) -> None:
    task = ParkedTask(config, start_to_close=300)
    media = queue_faces(config, task.token, [her_descriptor, far(her_descriptor)])
    first, second = face_ids(config, media)
    named = review("answer", str(first), "--new-name", "Eileen")
    assert named.exit_code == 0, named.output
    assert "1 face(s)" in named.output and task.event("ActivityTaskCompleted") is None
    rejected = review("answer", str(second), "--not-a-face")
    assert rejected.exit_code == 0, rejected.output
    completed = task.event("ActivityTaskCompleted")
    assert completed is not None
    result = json.loads(completed["activityTaskCompletedEventAttributes"]["result"])
    assert (result["faces"], result["not_a_face"], result["reviewed"], result["pending_review"]) == (1, 1, 2, 0)
    with open_catalog(config).session() as session:
        statuses = [f.review_status for f in session.scalars(
            select(Face).where(Face.media_uuid == media).order_by(Face.track_index))]
    assert statuses == [ReviewStatus.ANSWERED.value, ReviewStatus.NOT_A_FACE.value]


def test_answering_with_an_existing_contact_assigns_the_face_to_it(
    config: Config, her_descriptor: list[float]
) -> None:
    task = ParkedTask(config, start_to_close=300)
    media = queue_faces(config, task.token, [her_descriptor])
    catalog = open_catalog(config)
    with catalog.session() as session:
        known = Contact(uuid=uuid.uuid4().hex, user_uuid=USER, name="Eileen", face_count=0)
        session.add(known)
        session.flush()
        known_uuid, known_id = known.uuid, known.id
    answered = review("answer", str(face_ids(config, media)[0]), "--contact", known_uuid)
    assert answered.exit_code == 0, answered.output
    with catalog.session() as session:
        face = session.scalars(select(Face).where(Face.media_uuid == media)).one()
        assert face.contact_id == known_id
        assert session.get(Contact, known_id).face_count == 1  # type: ignore[union-attr]
    assert task.event("ActivityTaskCompleted") is not None


def test_a_review_after_the_activity_timed_out_is_reported_too_late_and_kept(
    config: Config, her_descriptor: list[float]
) -> None:
    task = ParkedTask(config, start_to_close=1)
    media = queue_faces(config, task.token, [her_descriptor])
    deadline = time.monotonic() + 20
    while task.event("ActivityTaskTimedOut") is None:
        assert time.monotonic() < deadline, "the activity did not time out"
        time.sleep(0.2)
    face_id = face_ids(config, media)[0]
    late = review("answer", str(face_id), "--new-name", "Eileen")
    assert late.exit_code == 3
    assert "too late" in late.output and "kept in the catalog" in late.output
    with open_catalog(config).session() as session:
        assert session.get(Face, face_id).review_status == ReviewStatus.ANSWERED.value  # type: ignore[union-attr]


def test_a_wrong_answer_on_the_command_line_is_a_clear_error(config: Config) -> None:
    wrong = review("answer", "12345", "--contact", "1", "--not-a-face")
    assert wrong.exit_code != 0 and "exactly one" in wrong.output


def test_completing_a_finished_review_again_is_reported_too_late(
    config: Config, her_descriptor: list[float]
) -> None:
    task = ParkedTask(config, start_to_close=300)
    media = queue_faces(config, task.token, [her_descriptor])
    assert review("answer", str(face_ids(config, media)[0]), "--not-a-face").exit_code == 0
    again = review("complete", media)
    assert again.exit_code == 3 and "too late" in again.output


def test_completing_a_media_with_open_faces_is_refused(config: Config, her_descriptor: list[float]) -> None:
    media = queue_faces(config, "token-open", [her_descriptor])
    refused = review("complete", media)
    assert refused.exit_code == 1 and "still await an answer" in refused.output
