"""Redis clients for the API process (asyncio) with a short connect timeout so outages answer 503 fast."""

import redis.asyncio as aioredis


def create_redis(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        health_check_interval=30,
        retry_on_timeout=True,
    )
