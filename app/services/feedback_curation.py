"""Curate training data from feedback: build, review (edit, drop, dedupe, hold out), export, publish."""

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.kernel.models import Dataset, FeedbackDataset, FeedbackSample, MessageFeedback, User
from app.kernel.schemas.feedback import FeedbackDatasetCreate, PublishRequest, SampleUpdate
from app.kernel.settings import Settings
from app.kernel.training.dataset import SampleError, parse_sample, split_indices
from app.kernel.training.naming import datasets_dir
from app.services import ownership
from app.services.finetune import create_dataset, field_error

EXPORT_FORMATS = ("chat", "dpo")
SPLITS = ("train", "held_out", "all")


def _sample_problem(prompt: list[dict[str, str]], answer: str) -> str | None:
    """Why prompt + answer is not a valid chat training sample (the fine-tuning upload rules), else None."""
    if not answer.strip():
        return "the answer is empty"
    try:
        parse_sample(json.dumps({"messages": [*prompt, {"role": "assistant", "content": answer}]}))
    except SampleError as exc:
        return str(exc)
    return None


def _candidates(rows: list[MessageFeedback], include_approved: bool) -> Iterable[FeedbackSample]:
    """Training pairs from corrections (and approvals), preference pairs from corrections and rated siblings."""
    for feedback in rows:
        if feedback.corrected_answer:
            yield FeedbackSample(
                feedback_id=feedback.id,
                kind="sft",
                origin="corrected",
                prompt=feedback.prompt,
                chosen=feedback.corrected_answer,
            )
            if feedback.answer.strip() and feedback.answer.strip() != feedback.corrected_answer.strip():
                yield FeedbackSample(
                    feedback_id=feedback.id,
                    kind="preference",
                    origin="corrected",
                    prompt=feedback.prompt,
                    chosen=feedback.corrected_answer,
                    rejected=feedback.answer,
                )
        elif feedback.rating == "up" and include_approved:
            yield FeedbackSample(
                feedback_id=feedback.id, kind="sft", origin="approved", prompt=feedback.prompt, chosen=feedback.answer
            )
    siblings: dict[int, list[MessageFeedback]] = defaultdict(list)
    for feedback in rows:
        if feedback.question_id is not None:
            siblings[feedback.question_id].append(feedback)
    for group in siblings.values():
        for good in (f for f in group if f.rating == "up"):
            for bad in (f for f in group if f.rating == "down" and f.answer.strip() != good.answer.strip()):
                yield FeedbackSample(
                    feedback_id=good.id,
                    kind="preference",
                    origin="sibling",
                    prompt=good.prompt,
                    chosen=good.answer,
                    rejected=bad.answer,
                )


async def build(session: AsyncSession, user: User, body: FeedbackDatasetCreate) -> FeedbackDataset:
    """A new dataset from the feedback in scope; samples that would fail the upload rules are listed as skipped."""
    if body.scope == "all" and user.role != "admin":
        message = "Only an administrator can build from every user's feedback; use scope 'mine'."
        raise AppError(403, "forbidden", message)
    query = select(MessageFeedback).order_by(MessageFeedback.id)
    if body.scope == "mine":
        query = query.where(MessageFeedback.owner_id == user.id)
    if body.model:
        query = query.where(MessageFeedback.model == body.model)
    rows = list(await session.scalars(query))
    samples, skipped = [], []
    for sample in _candidates(rows, body.include_approved):
        problem = _sample_problem(sample.prompt, sample.chosen)
        if problem:
            skipped.append({"feedback_id": sample.feedback_id, "kind": sample.kind, "reason": problem})
        else:
            samples.append(sample)
    if not samples:
        raise AppError(
            422,
            "no_feedback",
            f"No usable feedback among {len(rows)} rating(s): give corrected answers, or set include_approved "
            "to train on thumbs-up answers.",
            {"skipped": skipped},
        )
    training = [sample for sample in samples if sample.kind == "sft"]
    _train, held_out = split_indices(len(training), body.held_out_fraction, body.seed)
    for index in held_out:
        training[index].held_out = True
    dataset = FeedbackDataset(
        owner_id=user.id,
        name=body.name,
        scope=body.scope,
        filters=body.model_dump(exclude={"name", "scope"}),
        skipped=skipped,
    )
    session.add(dataset)
    await session.flush()
    for sample in samples:
        sample.dataset_id = dataset.id
        session.add(sample)
    await session.commit()
    await session.refresh(dataset)
    return dataset


async def get_owned(session: AsyncSession, user: User, dataset_id: int) -> FeedbackDataset:
    return await ownership.get_owned(session, FeedbackDataset, dataset_id, "Feedback dataset", owner_id=user.id)


async def list_owned(session: AsyncSession, user: User) -> list[FeedbackDataset]:
    query = select(FeedbackDataset).where(FeedbackDataset.owner_id == user.id).order_by(FeedbackDataset.id.desc())
    return list(await session.scalars(query))


async def samples_of(session: AsyncSession, dataset: FeedbackDataset) -> list[FeedbackSample]:
    query = select(FeedbackSample).where(FeedbackSample.dataset_id == dataset.id).order_by(FeedbackSample.id)
    return list(await session.scalars(query))


async def counts(session: AsyncSession, dataset_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per dataset: training pairs, held-out pairs and preference pairs."""
    result = {dataset_id: {"train": 0, "held_out": 0, "preference": 0} for dataset_id in dataset_ids}
    rows = await session.execute(
        select(FeedbackSample.dataset_id, FeedbackSample.kind, FeedbackSample.held_out, func.count())
        .where(FeedbackSample.dataset_id.in_(dataset_ids))
        .group_by(FeedbackSample.dataset_id, FeedbackSample.kind, FeedbackSample.held_out)
    )
    for dataset_id, kind, held_out, count in rows:
        key = "preference" if kind == "preference" else "held_out" if held_out else "train"
        result[dataset_id][key] += count
    return result


async def _owned_sample(session: AsyncSession, dataset: FeedbackDataset, sample_id: int) -> FeedbackSample:
    return await ownership.get_owned(session, FeedbackSample, sample_id, "Sample", dataset_id=dataset.id)


async def update_sample(
    session: AsyncSession, dataset: FeedbackDataset, sample_id: int, body: SampleUpdate
) -> FeedbackSample:
    sample = await _owned_sample(session, dataset, sample_id)
    if body.rejected is not None and sample.kind != "preference":
        raise field_error("rejected", "only a preference pair has a rejected answer")
    if body.held_out is not None and sample.kind != "sft":
        raise field_error("held_out", "only a training pair (kind sft) can be held out for evaluation")
    if body.chosen is not None:
        if problem := _sample_problem(sample.prompt, body.chosen):
            raise field_error("chosen", problem)
        sample.chosen = body.chosen
    if body.rejected is not None:
        if not body.rejected.strip():
            raise field_error("rejected", "the rejected answer is empty")
        sample.rejected = body.rejected
    if body.held_out is not None:
        sample.held_out = body.held_out
    await session.commit()
    await session.refresh(sample)
    return sample


async def drop_sample(session: AsyncSession, dataset: FeedbackDataset, sample_id: int) -> None:
    await session.delete(await _owned_sample(session, dataset, sample_id))
    await session.commit()


def _dedupe_key(sample: FeedbackSample) -> tuple[str, str, str, str]:
    prompt = json.dumps([[m["role"], m["content"].strip()] for m in sample.prompt], ensure_ascii=False)
    return sample.kind, prompt, sample.chosen.strip(), (sample.rejected or "").strip()


async def dedupe(session: AsyncSession, dataset: FeedbackDataset) -> int:
    """Drop samples repeating an earlier one (same prompt and answers, whitespace-trimmed); returns how many.

    A pair both trained on and held out would inflate the evaluation; the earliest copy is kept.
    """
    seen: set[tuple[str, str, str, str]] = set()
    removed = 0
    for sample in await samples_of(session, dataset):
        key = _dedupe_key(sample)
        if key in seen:
            await session.delete(sample)
            removed += 1
        seen.add(key)
    await session.commit()
    return removed


def _in_split(sample: FeedbackSample, split: str) -> bool:
    return split == "all" or sample.held_out == (split == "held_out")


def export_lines(samples: list[FeedbackSample], export_format: str, split: str) -> list[str]:
    """`chat`: the fine-tuning JSONL (`{"messages"}`); `dpo`: TRL's conversational preference format."""
    if export_format == "chat":
        return [
            json.dumps({"messages": [*s.prompt, {"role": "assistant", "content": s.chosen}]}, ensure_ascii=False)
            for s in samples
            if s.kind == "sft" and _in_split(s, split)
        ]
    return [
        json.dumps(
            {
                "prompt": s.prompt,
                "chosen": [{"role": "assistant", "content": s.chosen}],
                "rejected": [{"role": "assistant", "content": s.rejected}],
            },
            ensure_ascii=False,
        )
        for s in samples
        if s.kind == "preference"
    ]


async def _store(
    session: AsyncSession, settings: Settings, user: User, name: str, lines: list[str], base_model: str | None
) -> Dataset:
    """Write the JSONL where uploads go and register it through the upload path (same validation)."""
    path = datasets_dir(settings) / f"{uuid.uuid4().hex}.jsonl"
    await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
    await anyio.Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    fields = {"base_model": base_model} if base_model else {}
    return await create_dataset(session, settings, user, name, Path(path), fields)


async def publish(
    session: AsyncSession, settings: Settings, user: User, dataset: FeedbackDataset, body: PublishRequest
) -> tuple[Dataset, Dataset | None]:
    """Fine-tuning datasets from the reviewed samples: the training pairs (or, for `dpo`, the preference pairs),
    and the held-out training pairs (if any) as the job's evaluation set."""
    samples = await samples_of(session, dataset)
    train = export_lines(samples, body.format, "train")
    if not train and body.format == "dpo":
        message = "The dataset has no preference pairs (from corrections or rated regenerated siblings)."
        raise AppError(422, "no_preference_pairs", message)
    if not train:
        raise AppError(422, "no_training_pairs", "The dataset has no training pairs left (all dropped or held out).")
    held_out = export_lines(samples, "chat", "held_out")
    stem = dataset.name.replace("/", "_")[:200]
    suffix = "-dpo" if body.format == "dpo" else ""
    published = await _store(session, settings, user, f"{stem}{suffix}.jsonl", train, body.base_model)
    if not held_out:
        return published, None
    return published, await _store(session, settings, user, f"{stem}-held-out.jsonl", held_out, body.base_model)
