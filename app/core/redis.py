"""Redis client for the API process (asyncio) with a short connect timeout so outages answer 503 fast.

Every open SSE stream holds one connection for its subscription, so the pool is sized for thousands of
streams (REDIS_MAX_CONNECTIONS) and blocks briefly instead of failing when it is momentarily exhausted
(redis-py's default pool allows 100 and raises beyond that: bench/concurrent_streams.py saw 382 of 500
streams fail before this).
"""

import redis
import redis.asyncio as aioredis
from redis.driver_info import DriverInfo

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
        # Given explicitly, so a new connection does not look the version up in the package metadata (a
        # directory scan that was 4 % of the API's CPU while 500 streams opened connections).
        driver_info=DriverInfo(name="redis-py", lib_version=redis.__version__),
    )
    return aioredis.Redis(connection_pool=pool)
