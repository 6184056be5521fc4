"""Redis client for the API process (asyncio) with a short connect timeout so outages answer 503 fast.

Every open SSE stream holds one connection for its subscription, so the pool is sized for thousands of
streams (REDIS_MAX_CONNECTIONS) and blocks briefly instead of failing when it is momentarily exhausted
(redis-py's default pool allows 100 and raises beyond that: bench/concurrent_streams.py saw 382 of 500
streams fail before this).
"""

import redis.asyncio as aioredis

POOL_WAIT_SECONDS = 10


def create_redis(url: str, max_connections: int) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=POOL_WAIT_SECONDS,
        decode_responses=True,
        socket_connect_timeout=2,
        health_check_interval=30,
        retry_on_timeout=True,
    )
    return aioredis.Redis(connection_pool=pool)
