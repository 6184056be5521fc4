from fastapi import APIRouter, Request, Response, status

from app.api.deps import ContextDep, CurrentUser, EventsDep, ObjectId, RedisDep, SessionDep, SettingsDep
from app.api.owned_reads import add_owned_reads
from app.api.route_options import accepted, multipart_body, uploaded
from app.core.admission import Kind, admit
from app.events.relay import SSE_DOC
from app.kernel.schemas.common import ErrorResponse
from app.kernel.schemas.finetune import (
    DatasetPublic,
    FinetuneJobCreate,
    FinetuneJobDetail,
    FinetuneJobPublic,
    FinetuneMergePublic,
)
from app.services import finetune, finetune_merge

router = APIRouter(prefix="/finetune", tags=["finetune"])

DATASET_BODY = multipart_body(
    {
        "file": {"type": "string", "format": "binary", "description": "JSONL, chat or instruction"},
        "eval_fraction": {"type": "number", "minimum": 0, "maximum": 0.5, "default": 0},
        "base_model": {"type": "string", "description": "tokenizer for token_stats"},
    },
    ["file"],
)


@router.post(
    "/datasets",
    **uploaded(DatasetPublic, DATASET_BODY),
    responses={
        413: {"model": ErrorResponse, "description": "File over MAX_UPLOAD_MB"},
        422: {"model": ErrorResponse, "description": "details.errors: [{line}]"},
    },
)
async def upload_dataset(request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    """Upload a JSONL dataset; an invalid one is refused with line-numbered `details.errors` and not stored."""
    filename, path, fields = await finetune.receive_upload(request, settings)
    return await finetune.create_dataset(session, settings, user, filename, path, fields)


add_owned_reads(
    router,
    "/datasets",
    DatasetPublic,
    finetune.list_datasets,
    finetune.get_owned_dataset,
    item="dataset",
    id_name="dataset_id",
)


@router.delete("/datasets/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def delete_dataset(dataset_id: ObjectId, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    dataset = await finetune.get_owned_dataset(session, user, dataset_id)
    await finetune.delete_dataset(session, settings, dataset)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/jobs", status_code=status.HTTP_201_CREATED, response_model=FinetuneJobPublic, dependencies=[admit(Kind.JOB)]
)
async def create_job(
    body: FinetuneJobCreate, request: Request, user: CurrentUser, session: SessionDep, redis: RedisDep
):
    """Queue a LoRA / QLoRA run; progress arrives at `/finetune/jobs/{id}/events`."""
    job = await finetune.create_job(session, redis, request.app.state.tasks, user, body)
    return await finetune.job_public(redis, job)


@router.get("/jobs", response_model=list[FinetuneJobPublic])
async def list_jobs(user: CurrentUser, session: SessionDep, redis: RedisDep):
    return await finetune.list_jobs(session, redis, user)


@router.get("/jobs/{job_id}", response_model=FinetuneJobDetail)
async def get_job(job_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    job = await finetune.get_visible_job(session, redis, user, job_id)
    return await finetune.job_public(redis, job, detail=True)


@router.post("/jobs/{job_id}/cancel", **accepted(FinetuneJobPublic))
async def cancel_job(job_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    """A queued job is cancelled at once; a running one stops within a step and keeps its adapter so far."""
    job = await finetune.get_visible_job(session, redis, user, job_id)
    return await finetune.job_public(redis, await finetune.request_cancel(session, redis, job))


@router.get("/jobs/{job_id}/events", responses=SSE_DOC)
async def job_events(job_id: ObjectId, sse: EventsDep):
    """`status` (queue_position while queued), `progress` per step, then `done {job}` or `error`."""
    job = await finetune.get_visible_job(sse.session, sse.redis, sse.user, job_id)
    return sse.respond(await finetune.job_events(sse.request, job, sse.after))


@router.post(
    "/jobs/{job_id}/merge",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=FinetuneMergePublic,
    responses={
        200: {"model": FinetuneMergePublic, "description": "Already merged: the existing result"},
        409: {
            "model": ErrorResponse,
            "description": "QLoRA job (`merge_unsupported`) or a job that has not succeeded (`job_not_finished`)",
        },
    },
    dependencies=[admit(Kind.JOB)],
)
async def merge_job(job_id: ObjectId, response: Response, ctx: ContextDep):
    """Merge the job's LoRA adapter into its base model (a full model under `model_store/merged/`) on the
    training queue; follow it at `/merge/events`. Repeating the call returns the merge in progress or done."""
    job = await finetune.get_visible_job(ctx.session, ctx.redis, ctx.user, job_id)
    merge = await finetune_merge.start_merge(ctx.redis, ctx.tasks, ctx.settings, job)
    if merge.state == "done":
        response.status_code = status.HTTP_200_OK
    return merge


@router.get("/jobs/{job_id}/merge", response_model=FinetuneMergePublic)
async def get_merge(job_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep, settings: SettingsDep):
    """`state`: none | queued | running | done (with `path`, `size_bytes`) | failed (with `error`)."""
    job = await finetune.get_visible_job(session, redis, user, job_id)
    return await finetune_merge.check_merge(redis, settings, job)


@router.get("/jobs/{job_id}/merge/events", responses=SSE_DOC)
async def merge_events(job_id: ObjectId, sse: EventsDep):
    """`status {state}`, `progress {stage, fraction}`, then `done {merge}` or `error {code, message}`."""
    job = await finetune.get_visible_job(sse.session, sse.redis, sse.user, job_id)
    return sse.respond(await finetune_merge.merge_events(sse.request, sse.settings, job, sse.after))
