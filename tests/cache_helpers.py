"""
Caches for the tests that need a real one: the Redis server on these machines (database 2, the
one set aside for these tests) and a Redis that is down (a closed port on 127.0.0.1).

Each test gets its own key prefix and deletes only its own keys afterwards, so tests on parallel
workers never see or flush each other's.
"""

import socket
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/2"
BACKEND = "assessments.cache.FailSoftRedisCache"
# As settings.py sets them for REDIS_URL.
OPTIONS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.5}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cache_config(location: str, prefix: str) -> dict:
    return {"BACKEND": BACKEND, "LOCATION": location, "KEY_PREFIX": prefix, "OPTIONS": OPTIONS}


def delete_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the tests' Redis database, emptied afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    delete_keys(prefix)


@pytest.fixture
def shared_redis(settings, redis_prefix) -> str:
    """The default cache is the real Redis (as with REDIS_URL set); returns its key prefix."""
    settings.CACHES = {"default": cache_config(REDIS_URL, redis_prefix)}
    return redis_prefix


@pytest.fixture
def redis_down(settings) -> str:
    """The default cache is a Redis that is down: nothing listens on its port."""
    location = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": cache_config(location, "down")}
    return location
