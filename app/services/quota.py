"""Per-user daily token quotas (`User.daily_token_quota`; None = unlimited), counted in `token_usage` per UTC day."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.kernel.models import TokenUsage, User
from app.kernel.usage import today


def resets_at(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


async def usage(session: AsyncSession, user: User) -> dict[str, Any]:
    day = today()
    row = await session.scalar(select(TokenUsage).where(TokenUsage.user_id == user.id, TokenUsage.day == day))
    prompt, completion = (row.prompt_tokens, row.completion_tokens) if row else (0, 0)
    used = prompt + completion
    limit = user.daily_token_quota
    return {
        "day": day.isoformat(),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "used": used,
        "limit": limit,
        "remaining": None if limit is None else max(0, limit - used),
        "resets_at": resets_at(day).isoformat(),
    }


async def check_quota(session: AsyncSession, user: User) -> None:
    """429 `quota_exceeded` once today's tokens reach the user's daily quota."""
    if user.daily_token_quota is None:
        return
    current = await usage(session, user)
    if current["used"] < current["limit"]:
        return
    reset = resets_at(today())
    seconds = max(1, int((reset - datetime.now(UTC)).total_seconds()))
    raise AppError(
        429,
        "quota_exceeded",
        f"Daily token quota reached: {current['used']} of {current['limit']} tokens used today. "
        f"It resets at midnight UTC ({reset.isoformat()}, in {seconds // 3600} h {seconds % 3600 // 60} min).",
        current,
        headers={"Retry-After": str(seconds)},
    )
