"""Semantic cache: answer a repeated single-turn question from an earlier answer of the same user and scope.

Only questions that open a conversation (no earlier turns, not a regeneration), without the agent, at an
effective temperature of 0 (greedy: the model would write the same answer again) and not switched off with
`params.cache = false` are looked up and stored. The scope (model with adapter, knowledge bases, system
prompt, generation settings) is part of the Redis key, under the user's id: entries are never shared across
users. An entry is served when its question embeds within `semantic_cache_max_distance`, shares the new
question's numbers and names (cache_identifiers.py), and was answered from the same sources: the documents of
those knowledge bases and the model entry/adapter files, compared through a fingerprint (`sources_version`),
so a document or model change invalidates the entries that depended on it.
"""

import base64
import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kernel.keys import semantic_cache_key
from app.kernel.models import Conversation, Document, Message
from app.kernel.registry.registry import get_registry
from app.kernel.settings import get_settings
from worker.engine.generation import GenerationParams
from worker.jobs.generation.cache_identifiers import identifiers


@dataclass(frozen=True)
class Probe:
    """An eligible question: where its entries live, its embedding and the fingerprint of its sources."""

    key: str
    question: str
    vector: np.ndarray
    sources: str


@dataclass(frozen=True)
class Hit:
    answer: str
    citations: list[dict]
    distance: float
    source_message_id: int

    def record(self) -> dict:
        """What the served message's `params.semantic_cache` says."""
        return {"hit": True, "distance": round(self.distance, 4), "source_message_id": self.source_message_id}


def probe(
    session: Session,
    conversation: Conversation,
    message: Message,
    messages: list[dict[str, str]],
    params: GenerationParams,
    model_id: str,
) -> Probe | None:
    """The question's cache probe, or None when it must not be cached."""
    settings = get_settings()
    turns = [m for m in messages if m["role"] != "system"]
    if (
        not settings.semantic_cache_enabled
        or (message.params or {}).get("cache") is False
        or (conversation.planner or "none") != "none"
        or len(turns) != 1
        or _is_regeneration(session, message)
    ):
        return None
    spec = get_registry().resolve(model_id).spec
    if params.resolve(spec.generation).temperature != 0:
        return None
    kb_ids = sorted(message.knowledge_base_ids or [])
    scope = {"model": model_id, "kbs": kb_ids, "system": conversation.system_prompt, "params": asdict(params)}
    digest = hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()[:32]
    question = turns[0]["content"]
    return Probe(
        key=semantic_cache_key(message.owner_id, digest),
        question=question,
        vector=_embed(question),
        sources=sources_version(session, model_id, kb_ids),
    )


def _is_regeneration(session: Session, message: Message) -> bool:
    """A regenerated answer asks for a new text: never the cached one."""
    siblings = session.scalar(
        select(func.count(Message.id)).where(Message.parent_id == message.parent_id, Message.role == "assistant")
    )
    return (siblings or 0) > 1


def _embed(text: str) -> np.ndarray:
    from worker.rag.embedder import get_embedder

    return get_embedder(get_settings().embedding_model).encode_query(text)


def sources_version(session: Session, model_id: str, kb_ids: list[int]) -> str:
    """Fingerprint of what an answer depends on: each knowledge base's document count and newest change,
    the resolved model entry, and the adapter's files."""
    documents = session.execute(
        select(Document.knowledge_base_id, func.count(Document.id), func.max(Document.updated_at))
        .where(Document.knowledge_base_id.in_(kb_ids))
        .group_by(Document.knowledge_base_id)
        .order_by(Document.knowledge_base_id)
    ).all()
    resolved = get_registry().resolve(model_id)
    adapter = (
        sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in resolved.adapter_dir.iterdir())
        if resolved.adapter_dir
        else []
    )
    parts = [[list(map(str, row)) for row in documents], resolved.spec.model_dump(mode="json"), adapter]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def lookup(client: Redis, probe: Probe) -> Hit | None:
    """The closest entry within the distance whose names and numbers match; stale entries are dropped."""
    limit = get_settings().semantic_cache_max_distance
    wanted = identifiers(probe.question)
    best: Hit | None = None
    for raw in client.lrange(probe.key, 0, -1):
        entry = json.loads(raw)
        if entry["sources"] != probe.sources:
            client.lrem(probe.key, 1, raw)
            continue
        vector = np.frombuffer(base64.b64decode(entry["vector"]), dtype=np.float32)
        distance = 1.0 - float(vector @ probe.vector)
        if distance > limit or (best and distance >= best.distance):
            continue
        if identifiers(entry["question"]).matches(wanted):
            best = Hit(entry["answer"], entry["citations"], max(distance, 0.0), entry["message_id"])
    return best


def store(client: Redis, probe: Probe, message_id: int, answer: str, citations: list[dict]) -> None:
    settings = get_settings()
    entry = {
        "question": probe.question,
        "vector": base64.b64encode(np.asarray(probe.vector, dtype=np.float32).tobytes()).decode(),
        "answer": answer,
        "citations": citations,
        "sources": probe.sources,
        "message_id": message_id,
    }
    pipe = client.pipeline()
    pipe.lpush(probe.key, json.dumps(entry))
    pipe.ltrim(probe.key, 0, settings.semantic_cache_max_entries - 1)
    pipe.expire(probe.key, settings.semantic_cache_ttl_seconds)
    pipe.execute()
