"""The shape of a valid configuration.

Every section forbids unknown keys so that a typo in a YAML file is an error at
start, not a silently ignored setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Seconds = int | Literal["NONE"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalServerConfig(Strict):
    """The embedded SWF-compatible service (single-machine default)."""

    host: str = "127.0.0.1"
    port: int = Field(8787, ge=0, le=65535)
    db_path: str = "var/swf.sqlite3"
    poll_timeout: float = Field(60.0, gt=0, le=300)


class WorkflowTypeConfig(Strict):
    name: str = Field("VideoProcessing", min_length=1, max_length=256)
    version: str = Field("1.0.0", min_length=1, max_length=64)
    task_list: str = Field("decider", min_length=1)
    execution_start_to_close: int = Field(86400, gt=0, le=31536000)
    task_start_to_close: int = Field(60, gt=0)
    child_policy: Literal["TERMINATE", "REQUEST_CANCEL", "ABANDON"] = "TERMINATE"


class SwfConfig(Strict):
    region: str = "us-east-1"
    endpoint_url: str | None = None
    domain: str = Field("Viblio", min_length=1, max_length=256)
    retention_days: int = Field(7, ge=0, le=90)
    workflow: WorkflowTypeConfig = WorkflowTypeConfig()
    task_list_suffix: str = ""
    poll_read_timeout: int = Field(70, ge=61, description="must exceed SWF's 60 s long poll")
    throttle_max_attempts: int = Field(10, ge=1)
    local_server: LocalServerConfig = LocalServerConfig()


class ActivityTimeouts(Strict):
    """SWF's four activity timeouts, in seconds ("NONE" = unlimited)."""

    schedule_to_start: Seconds = 300
    start_to_close: Seconds = 900
    schedule_to_close: Seconds = 1200
    heartbeat: Seconds = 60


class Backoff(Strict):
    initial: int = Field(5, ge=0)
    factor: float = Field(2.0, ge=1.0)
    max: int = Field(300, ge=0)


class StageConfig(Strict):
    """Per-stage orchestration policy (the DAG node and how it is retried)."""

    task_list: str = Field(..., min_length=1)
    per_host_task_list: bool = False
    version: str = Field("1.0.0", min_length=1, max_length=64)
    depends_on: tuple[str, ...] = ()
    timeouts: ActivityTimeouts = ActivityTimeouts()
    manual_timeouts: ActivityTimeouts | None = None
    heartbeat_interval: float = Field(10.0, gt=0)
    retries_on_failure: int = Field(3, ge=0)
    retries_on_timeout: int = Field(2, ge=0)
    timeout_multipliers: tuple[float, ...] = (1.0, 2.0, 4.0)
    backoff: Backoff = Backoff()
    on_final_failure: Literal["fail_workflow", "skip_dependents"] = "fail_workflow"
    # "run": still run when a dependency was skipped (e.g. notify reports a partial result).
    on_skipped_dependency: Literal["skip", "run"] = "skip"

    @field_validator("timeout_multipliers")
    @classmethod
    def _multipliers_positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(m <= 0 for m in value):
            raise ValueError("must be a non-empty list of positive numbers")
        return value


class TranscodeRendition(Strict):
    name: str
    height: int = Field(..., gt=0)
    video_bitrate: str = "1500k"
    crf: int = Field(23, ge=0, le=51)
    audio_bitrate: str = "128k"


class TranscodeConfig(Strict):
    renditions: tuple[TranscodeRendition, ...] = (
        TranscodeRendition(name="360p", height=360, crf=26, video_bitrate="800k"),
        TranscodeRendition(name="720p", height=720, crf=23, video_bitrate="2500k"),
    )
    preset: str = "veryfast"
    stall_seconds: float = Field(60.0, gt=0)


class PreviewsConfig(Strict):
    poster_width: int = Field(1280, gt=0)
    thumbnail_width: int = Field(320, gt=0)
    animated_width: int = Field(320, gt=0)
    animated_seconds: float = Field(3.0, gt=0)
    animated_fps: int = Field(8, gt=0)
    animated_format: Literal["webp", "gif"] = "webp"


class FacesConfig(Strict):
    sample_fps: float = Field(2.0, gt=0)
    scene_change_threshold: float = Field(0.15, ge=0, le=1)  # mean grey difference of a cut
    detect_width: int = Field(640, gt=0)
    upsample: int = Field(1, ge=0, le=3)
    min_face_px: int = Field(40, gt=0)
    track_max_gap_seconds: float = Field(2.0, gt=0)
    track_max_distance: float = Field(0.5, gt=0)
    match_threshold: float = Field(0.45, gt=0, le=2)
    join_threshold: float = Field(0.55, gt=0, le=2)
    review_confidence: float = Field(0.6, ge=0, le=1)


class UploadConfig(Strict):
    duplicate_policy: Literal["link", "fail"] = "link"


class NotifyConfig(Strict):
    webhook_url: str | None = None
    timeout: float = Field(10.0, gt=0)


class MediaConfig(Strict):
    upload: UploadConfig = UploadConfig()
    transcode: TranscodeConfig = TranscodeConfig()
    previews: PreviewsConfig = PreviewsConfig()
    faces: FacesConfig = FacesConfig()
    notify: NotifyConfig = NotifyConfig()


class S3Config(Strict):
    bucket: str = Field(..., min_length=3)
    prefix: str = ""
    region: str | None = None
    endpoint_url: str | None = None
    multipart_threshold_mb: int = Field(16, ge=5)


class StorageConfig(Strict):
    backend: Literal["local", "s3"] = "local"
    local_dir: str = "var/objects"
    s3: S3Config | None = None

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> StorageConfig:
        if self.backend == "s3" and self.s3 is None:
            raise ValueError("backend is 's3' but the 's3' block (bucket, prefix) is missing")
        return self


class CatalogConfig(Strict):
    url: str = "sqlite:///var/catalog.sqlite3"
    echo: bool = False


class LogglyConfig(Strict):
    url: str = "https://logs-01.loggly.com/inputs/{token}/tag/{tags}/"
    tags: tuple[str, ...] = ("viblio-pipeline",)
    queue_size: int = Field(10000, gt=0)
    request_timeout: float = Field(5.0, gt=0)
    drain_seconds: float = Field(3.0, ge=0)


class LoggingConfig(Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class PopeyeConfig(Strict):
    bind: str = "127.0.0.1:8000"
    spool_dir: str = "var/spool"


class SecretSpec(Strict):
    """A secret is named here, its value comes only from the environment."""

    env: str = Field(..., pattern=r"^[A-Z_][A-Z0-9_]*$")
    required: bool = False


class SecretsConfig(Strict):
    loggly_token: SecretSpec = SecretSpec(env="LOGGLY_TOKEN")
    db_password: SecretSpec = SecretSpec(env="VIBLIO_DB_PASSWORD")
    webhook_secret: SecretSpec = SecretSpec(env="VIBLIO_WEBHOOK_SECRET")


class FleetProgram(Strict):
    processes: int = Field(1, ge=1, le=64)
    stopwaitsecs: int | None = Field(None, gt=0, description="default: derived from the stage's timeouts")
    startsecs: int | None = Field(None, ge=0, description="default: fleet.startsecs")


class FleetRole(Strict):
    hosts: tuple[str, ...] = ()
    programs: dict[str, FleetProgram] = {}


class FleetConfig(Strict):
    user: str = "viblio"
    root: str = "/srv/viblio"
    socket: str = "var/supervisor.sock"
    log_dir: str = "var/log"
    startsecs: int = Field(5, ge=0, description="a process that lives this long counts as started")
    stop_margin: int = Field(60, ge=0, description="added to a stage's longest task for stopwaitsecs")
    log_maxbytes: str = Field("50MB", pattern=r"^[0-9]+(KB|MB|GB)?$")
    log_backups: int = Field(10, ge=0)
    roles: dict[str, FleetRole] = {}


class PathsConfig(Strict):
    root: str | None = None
    var_dir: str = "var"


class Settings(Strict):
    """The whole effective configuration of one environment."""

    env: str
    paths: PathsConfig = PathsConfig()
    swf: SwfConfig = SwfConfig()
    stages: dict[str, StageConfig]
    media: MediaConfig = MediaConfig()
    storage: StorageConfig = StorageConfig()
    catalog: CatalogConfig = CatalogConfig()
    logging: LoggingConfig = LoggingConfig()
    loggly: LogglyConfig = LogglyConfig()
    popeye: PopeyeConfig = PopeyeConfig()
    secrets: SecretsConfig = SecretsConfig()
    fleet: FleetConfig = FleetConfig()

    @model_validator(mode="after")
    def _dag_is_sound(self) -> Settings:
        for name, stage in self.stages.items():
            for dep in stage.depends_on:
                if dep not in self.stages:
                    raise ValueError(f"stages.{name}.depends_on names an unknown stage {dep!r}")
        _check_acyclic({n: s.depends_on for n, s in self.stages.items()})
        for role_name, role in self.fleet.roles.items():
            for program in role.programs:
                if program != "decider" and program not in self.stages:
                    raise ValueError(
                        f"fleet.roles.{role_name}.programs names {program!r}, "
                        "which is neither 'decider' nor a stage"
                    )
        return self

    def stage_task_list(self, stage: str, host: str | None = None) -> str:
        """The SWF task list a stage's workers poll in this environment."""
        spec = self.stages[stage]
        name = spec.task_list + self.swf.task_list_suffix
        if spec.per_host_task_list:
            if not host:
                raise ValueError(f"stage {stage!r} runs on a per-host task list: a host name is needed")
            name = f"{name}-{host}"
        return name

    @property
    def decider_task_list(self) -> str:
        return self.swf.workflow.task_list + self.swf.task_list_suffix


def _check_acyclic(graph: dict[str, tuple[str, ...]]) -> None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = " -> ".join([*trail[trail.index(node):], node])
            raise ValueError(f"stages.depends_on has a cycle: {cycle}")
        state[node] = 1
        for dep in graph[node]:
            visit(dep, [*trail, node])
        state[node] = 2

    for node in graph:
        visit(node, [])


class ResolvedSecrets(BaseModel):
    """Secret values read from the environment; masked whenever printed."""

    model_config = ConfigDict(frozen=True)

    loggly_token: SecretStr | None = None
    db_password: SecretStr | None = None
    webhook_secret: SecretStr | None = None
