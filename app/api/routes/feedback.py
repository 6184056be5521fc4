from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AdminUser, CurrentUser, ObjectId, SessionDep, SettingsDep
from app.core.admission import Kind, admit
from app.kernel.models import FeedbackDataset
from app.kernel.schemas.feedback import (
    DedupeResult,
    FeedbackDatasetCreate,
    FeedbackDatasetDetail,
    FeedbackDatasetPublic,
    FeedbackIn,
    FeedbackPage,
    FeedbackPublic,
    FeedbackSummary,
    PublishedDatasets,
    PublishRequest,
    SamplePublic,
    SampleUpdate,
)
from app.kernel.schemas.finetune import DatasetPublic
from app.services import feedback, feedback_curation

router = APIRouter(tags=["feedback"])

JSONL = {200: {"content": {"application/jsonl": {"schema": {"type": "string"}}}, "description": "JSON Lines"}}


@router.put("/messages/{message_id}/feedback", response_model=FeedbackPublic, dependencies=[admit(Kind.FREE)])
async def rate_answer(message_id: ObjectId, body: FeedbackIn, user: CurrentUser, session: SessionDep):
    """Thumbs up/down on one of your answers, with an optional comment and corrected answer; replaces an
    earlier rating. Stored with the model, adapter, knowledge bases and the prompt that produced the answer."""
    return await feedback.rate(session, user, message_id, body)


@router.get("/messages/{message_id}/feedback", response_model=FeedbackPublic)
async def get_rating(message_id: ObjectId, user: CurrentUser, session: SessionDep):
    return await feedback.get_feedback(session, user, message_id)


@router.delete(
    "/messages/{message_id}/feedback", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)]
)
async def delete_rating(message_id: ObjectId, user: CurrentUser, session: SessionDep):
    await feedback.delete_feedback(session, user, message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/feedback", response_model=FeedbackPage)
async def list_feedback(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    rating: Literal["up", "down"] | None = None,
    conversation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """Your own ratings, newest first."""
    items, total = await feedback.list_own(session, user, limit, offset, rating, conversation_id)
    return FeedbackPage(items=[FeedbackPublic.model_validate(item) for item in items], total=total)


@router.get("/feedback/summary", response_model=FeedbackSummary)
async def feedback_summary(_admin: AdminUser, session: SessionDep):
    """Every user's ratings aggregated (counts per model id); administrators only."""
    return await feedback.summary(session)


# --- curated datasets -------------------------------------------------------------------------


async def _detail(session: SessionDep, dataset: FeedbackDataset) -> FeedbackDatasetDetail:
    samples = await feedback_curation.samples_of(session, dataset)
    counts = (await feedback_curation.counts(session, [dataset.id]))[dataset.id]
    public = FeedbackDatasetPublic.model_validate(dataset).model_dump()
    rows = [SamplePublic.model_validate(sample) for sample in samples]
    return FeedbackDatasetDetail(**public | {"counts": counts}, samples=rows)


@router.post(
    "/feedback/datasets",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackDatasetDetail,
    dependencies=[admit(Kind.UPLOAD)],
)
async def build_dataset(body: FeedbackDatasetCreate, user: CurrentUser, session: SessionDep):
    """Build a reviewable dataset: corrected answers become training pairs (thumbs-up answers too with
    `include_approved`), corrections and rated regenerated siblings become preference pairs."""
    return await _detail(session, await feedback_curation.build(session, user, body))


@router.get("/feedback/datasets", response_model=list[FeedbackDatasetPublic])
async def list_datasets(user: CurrentUser, session: SessionDep):
    datasets = await feedback_curation.list_owned(session, user)
    counts = await feedback_curation.counts(session, [dataset.id for dataset in datasets])
    return [
        FeedbackDatasetPublic.model_validate(dataset).model_copy(update={"counts": counts[dataset.id]})
        for dataset in datasets
    ]


@router.get("/feedback/datasets/{feedback_dataset_id}", response_model=FeedbackDatasetDetail)
async def get_dataset(feedback_dataset_id: ObjectId, user: CurrentUser, session: SessionDep):
    return await _detail(session, await feedback_curation.get_owned(session, user, feedback_dataset_id))


@router.delete(
    "/feedback/datasets/{feedback_dataset_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)]
)
async def delete_dataset(feedback_dataset_id: ObjectId, user: CurrentUser, session: SessionDep):
    """Deletes the curated samples only; fine-tuning datasets published from them stay."""
    await session.delete(await feedback_curation.get_owned(session, user, feedback_dataset_id))
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch(
    "/feedback/datasets/{feedback_dataset_id}/samples/{sample_id}",
    response_model=SamplePublic,
    dependencies=[admit(Kind.FREE)],
)
async def edit_sample(
    feedback_dataset_id: ObjectId, sample_id: ObjectId, body: SampleUpdate, user: CurrentUser, session: SessionDep
):
    """Edit the answer to teach (or a preference pair's rejected answer), or mark a pair held out."""
    dataset = await feedback_curation.get_owned(session, user, feedback_dataset_id)
    return await feedback_curation.update_sample(session, dataset, sample_id, body)


@router.delete(
    "/feedback/datasets/{feedback_dataset_id}/samples/{sample_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[admit(Kind.FREE)],
)
async def drop_sample(feedback_dataset_id: ObjectId, sample_id: ObjectId, user: CurrentUser, session: SessionDep):
    dataset = await feedback_curation.get_owned(session, user, feedback_dataset_id)
    await feedback_curation.drop_sample(session, dataset, sample_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/feedback/datasets/{feedback_dataset_id}/dedupe", response_model=DedupeResult, dependencies=[admit(Kind.FREE)]
)
async def dedupe_dataset(feedback_dataset_id: ObjectId, user: CurrentUser, session: SessionDep):
    """Drop samples that repeat an earlier one (same prompt and answers)."""
    dataset = await feedback_curation.get_owned(session, user, feedback_dataset_id)
    removed = await feedback_curation.dedupe(session, dataset)
    return DedupeResult(removed=removed, dataset=await _detail(session, dataset))


@router.get("/feedback/datasets/{feedback_dataset_id}/export", responses=JSONL, response_class=Response)
async def export_dataset(
    feedback_dataset_id: ObjectId,
    user: CurrentUser,
    session: SessionDep,
    format: Literal["chat", "dpo"] = "chat",
    split: Literal["train", "held_out", "all"] = "train",
):
    """`chat`: the fine-tuning JSONL (`{"messages": [...]}`) of the chosen split; `dpo`: preference pairs
    `{"prompt", "chosen", "rejected"}` in TRL's conversational format (split does not apply)."""
    dataset = await feedback_curation.get_owned(session, user, feedback_dataset_id)
    lines = feedback_curation.export_lines(await feedback_curation.samples_of(session, dataset), format, split)
    filename = f"feedback-{dataset.id}-{format}{'' if format == 'dpo' else '-' + split}.jsonl"
    return Response(
        "".join(line + "\n" for line in lines),
        media_type="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/feedback/datasets/{feedback_dataset_id}/publish",
    status_code=status.HTTP_201_CREATED,
    response_model=PublishedDatasets,
    dependencies=[admit(Kind.UPLOAD)],
)
async def publish_dataset(
    feedback_dataset_id: ObjectId, body: PublishRequest, user: CurrentUser, session: SessionDep, settings: SettingsDep
):
    """Turn the reviewed training pairs into a fine-tuning dataset (and the held-out pairs into its
    evaluation set): pass them to `POST /finetune/jobs` as `dataset_id` and `eval_dataset_id`."""
    dataset = await feedback_curation.get_owned(session, user, feedback_dataset_id)
    train, held_out = await feedback_curation.publish(session, settings, user, dataset, body)
    return PublishedDatasets(
        train=DatasetPublic.model_validate(train),
        held_out=DatasetPublic.model_validate(held_out) if held_out else None,
    )
