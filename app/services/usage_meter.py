"""Token usage of row-less jobs (/v1 chat and embeddings), recorded by the API when the job's `done` arrives."""

from dataclasses import dataclass
from typing import Any

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kernel.usage import usage_upsert


def tokens_of(done: dict[str, Any]) -> tuple[int, int]:
    """(prompt, completion) tokens a `done` event reports: `usage` for completions, `prompt_tokens` for embeddings."""
    usage = done.get("usage") or {}
    prompt = int(usage.get("prompt_tokens", done.get("prompt_tokens", 0)) or 0)
    return prompt, int(usage.get("completion_tokens", 0) or 0)


@dataclass(frozen=True)
class UsageMeter:
    """Who pays for a job: its tokens go to this user's row of the day, which the quota check reads."""

    sessionmaker: async_sessionmaker[AsyncSession]
    user_id: int

    async def record(self, done: dict[str, Any]) -> None:
        prompt, completion = tokens_of(done)
        if prompt + completion == 0:
            return
        try:
            async with self.sessionmaker() as session:
                dialect = session.bind.dialect.name
                await session.execute(usage_upsert(dialect, self.user_id, prompt, completion))
                await session.commit()
        except SQLAlchemyError as exc:  # the answer is already made; losing its count must not fail it
            logger.warning("usage of user {} not recorded: {}", self.user_id, exc)
