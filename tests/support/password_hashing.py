"""Argon2id at a test work factor, for the apps a test session runs in its own process.

A production hash (64 MiB, t=3, p=4) costs ~0.2 s of CPU, and the suites register and log in hundreds of users:
minutes of a 2-core CI run spent on key stretching. The algorithm, the passlib context and every code path stay
the product's; only the cost parameters (which each stored hash carries) are lower. The test that measures what a
login costs opts back in with the `production_password_hashing` fixture. Apps in subprocesses (tests/faults,
tests/vllm) always hash at the production cost.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from passlib.context import CryptContext

from app.core import security

PRODUCTION_PASSWORDS = security._pwd
TEST_PASSWORDS = CryptContext(
    schemes=["argon2"], deprecated="auto", argon2__memory_cost=1024, argon2__time_cost=1, argon2__parallelism=1
)


@contextmanager
def password_context(context: CryptContext) -> Iterator[None]:
    """Hash and verify with `context` inside the block; the unknown-name dummy hash is made again on both sides."""
    from app.services import accounts

    previous = security._pwd
    security._pwd = context
    accounts._dummy_hash.cache_clear()
    try:
        yield
    finally:
        security._pwd = previous
        accounts._dummy_hash.cache_clear()
