from fastapi import APIRouter, Request, Response, status

from app.api.deps import CurrentUser, LastEventSeq, ObjectId, RedisDep, SessionDep, SettingsDep
from app.schemas.finetune import DatasetPublic, FinetuneJobCreate, FinetuneJobDetail, FinetuneJobPublic
from app.services import finetune
from app.streaming import SSE_DOC, sse_response

router = APIRouter(prefix="/finetune", tags=["finetune"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "JSONL, chat or instruction"},
                        "eval_fraction": {"type": "number", "minimum": 0, "maximum": 0.5, "default": 0},
                        "base_model": {"type": "string", "description": "tokenizer for token_stats"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/datasets",
    status_code=status.HTTP_201_CREATED,
    response_model=DatasetPublic,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "File over MAX_UPLOAD_MB"}, 422: {"description": "details.errors: [{line}]"}},
)
async def upload_dataset(request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    """Upload a JSONL dataset; an invalid one is refused with line-numbered `details.errors` and not stored."""
    filename, path, fields = await finetune.receive_upload(request, settings)
    return await finetune.create_dataset(session, settings, user, filename, path, fields)


@router.get("/datasets", response_model=list[DatasetPublic])
async def list_datasets(user: CurrentUser, session: SessionDep):
    return await finetune.list_datasets(session, user)


@router.get("/datasets/{dataset_id}", response_model=DatasetPublic)
async def get_dataset(dataset_id: ObjectId, user: CurrentUser, session: SessionDep):
    return await finetune.get_owned_dataset(session, user, dataset_id)


@router.delete("/datasets/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_dataset(dataset_id: ObjectId, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    dataset = await finetune.get_owned_dataset(session, user, dataset_id)
    await finetune.delete_dataset(session, settings, dataset)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/jobs", status_code=status.HTTP_201_CREATED, response_model=FinetuneJobPublic)
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


@router.post("/jobs/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=FinetuneJobPublic)
async def cancel_job(job_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    """A queued job is cancelled at once; a running one stops within a step and keeps its adapter so far."""
    job = await finetune.get_visible_job(session, redis, user, job_id)
    return await finetune.job_public(redis, await finetune.request_cancel(session, redis, job))


@router.get("/jobs/{job_id}/events", responses=SSE_DOC)
async def job_events(
    job_id: ObjectId,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    after: LastEventSeq,
):
    """`status` (queue_position while queued), `progress` per step, then `done {job}` or `error`."""
    job = await finetune.get_visible_job(session, redis, user, job_id)
    events = await finetune.job_events(request, job, after)
    return sse_response(events, settings.sse_heartbeat_seconds)
