from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from app.kernel.models.finetune import JobStatus
from app.kernel.schemas.common import IdRef, Seed, StrictModel

FinetuneMethod = Literal["lora", "qlora", "dpo"]


class DatasetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    format: str
    count: int
    eval_fraction: float
    preview: list[Any]
    token_stats: dict[str, Any] | None
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Always empty: invalid uploads get 422")
    created_at: datetime


class FinetuneJobCreate(StrictModel):
    """Ranges are checked by `app.kernel.training.config.TrainConfig.validate`, which names the bad field."""

    base_model: str = Field(max_length=200)
    dataset_id: IdRef
    eval_dataset_id: IdRef | None = Field(
        default=None,
        description="A dataset to score the base model and the adapter on after training "
        "(exact / contains match of the last assistant turn); the scores land in `metrics.evaluation`",
    )
    method: FinetuneMethod = Field(
        default="lora", description="dpo: LoRA trained with DPO (TRL) on a preference dataset (prompt/chosen/rejected)"
    )
    beta: float = Field(default=0.1, description="dpo only: the KL weight; larger keeps the adapter nearer the base")
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    target_modules: list[str] | None = Field(default=None, max_length=32)
    learning_rate: float = 2e-4
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 8
    grad_accum: int = 1
    max_seq_len: int = 512
    warmup_steps: int = 0
    seed: Seed = 0


class EvaluationScores(BaseModel):
    """One side's scores: fractions of the evaluation samples."""

    exact: float = Field(description="The answer equals the reference (case and whitespace ignored)")
    contains: float = Field(description="The answer contains the reference")
    judge: float | None = Field(
        default=None, description="The judge model graded the answer correct; null without a (working) judge"
    )


class EvaluationExample(BaseModel):
    prompt: str
    expected: str
    base: str
    adapter: str
    base_judge: bool | None = Field(default=None, description="The judge's verdict on the base answer")
    adapter_judge: bool | None = Field(default=None, description="The judge's verdict on the adapter's answer")


class EvaluationJudge(BaseModel):
    model: str = Field(description="The judge's model id (the server's EVAL_JUDGE_MODEL)")
    error: str | None = Field(default=None, description="Why there are no judge scores: what to fix")


class FinetuneEvaluation(BaseModel):
    """Base model vs adapter on the job's evaluation set; only `error` when scoring failed (the adapter is kept)."""

    samples: int | None = None
    base: EvaluationScores | None = None
    adapter: EvaluationScores | None = None
    examples: list[EvaluationExample] = Field(default_factory=list, description="The first 20 samples")
    judge: EvaluationJudge | None = Field(default=None, description="null when no judge model is configured")
    duration_s: float | None = None
    error: str | None = None


class FinetuneMetrics(BaseModel):
    """The run's figures (train/eval loss, throughput, DPO rewards...) and, with an evaluation set, `evaluation`."""

    model_config = ConfigDict(extra="allow")

    evaluation: FinetuneEvaluation | None = None


class QueueWait(BaseModel):
    """Why a queued job is not training yet, for the UI to say in the user's language."""

    reason: Literal["no_worker", "job_running", "jobs_ahead", "pickup"] = Field(
        description="no_worker: no training worker is running; job_running: the worker(s) are busy with `job_id`; "
        "jobs_ahead: `ahead` queued jobs go first; pickup: a free worker is about to take it"
    )
    ahead: int = Field(default=0, description="Queued jobs before this one")
    job_id: int | None = Field(default=None, description="job_running: the job that is training now")
    step: int | None = Field(default=None, description="job_running: its last stored step")
    total_steps: int | None = None


class FinetuneJobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
    owner: str | None = Field(default=None, description="Owner's username; set in an administrator's listing")
    dataset_id: int | None = Field(description="null once the dataset was deleted; the job and its adapter stay")
    dataset_name: str | None = Field(description="The dataset's file name; null once the dataset was deleted")
    eval_dataset_id: int | None = Field(default=None, description="The evaluation set, if the job names one")
    base_model: str
    method: FinetuneMethod
    config: dict[str, Any]
    status: JobStatus
    error: str | None
    progress: dict[str, Any]
    metrics: FinetuneMetrics
    adapter_name: str | None
    queue_position: int | None = None
    queue_message: str | None = Field(
        default=None, description="While queued: why the job is not starting (no training worker is running)"
    )
    waiting_for: QueueWait | None = Field(default=None, description="While queued: what the job waits for")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @computed_field(description="The model id to chat with, `<base>+<adapter>`, once an adapter is saved")  # type: ignore[prop-decorator]
    @property
    def model_id(self) -> str | None:
        return f"{self.base_model}+{self.adapter_name}" if self.adapter_name else None


class FinetuneJobDetail(FinetuneJobPublic):
    loss_history: list[dict[str, Any]]


class FinetuneMergePublic(BaseModel):
    """A job's adapter merged into its base model (`POST /finetune/jobs/{id}/merge`)."""

    job_id: int
    state: Literal["none", "queued", "running", "done", "failed"]
    base_model: str
    adapter_name: str | None = None
    path: str | None = Field(default=None, description="The merged model directory (config, safetensors, tokenizer)")
    size_bytes: int | None = None
    merged_at: datetime | None = None
    error: str | None = None
