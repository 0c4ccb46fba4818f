"""
Caches for the tests that need a real one (their fixtures are in conftest.py): the Redis server on these machines (database 2, the
one set aside for these tests) and a Redis that is down (a closed port on 127.0.0.1).

Each test gets its own key prefix and deletes only its own keys afterwards, so tests on parallel
workers never see or flush each other's.
"""

import socket

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
