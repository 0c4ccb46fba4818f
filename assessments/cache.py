"""
The shared cache: Django's own Redis backend, except that Redis being down is a miss, never an
error.

Nothing the service keeps in the cache is needed to serve a page: rendered PDFs can be rendered
again, and rate-limit counters fail open (`assessments.ratelimits`). So when Redis does not
answer, a read is a miss (`get` returns its default), a write is skipped and says so (`set`, `add`,
`delete` and the like return False) and `incr` returns None, which the rate limiter reads as "no
count, no limit". The socket timeouts in settings.CACHES keep each such call short.

A dead Redis is logged as a warning at most once a minute per process, with the number of calls
it failed since the last warning, rather than once per call: a busy server would otherwise write
thousands of identical lines a minute and bury everything else.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis refused the connection, dropped it, or did not answer within the socket timeout. Other
# Redis errors (a wrong command, a full memory) are bugs or configuration to see, and still raise.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
WARNING_INTERVAL = 60.0


class _FailureLog:
    """Counts failed calls and logs a warning at most once every WARNING_INTERVAL seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures = 0
        self._last_warning: float | None = None

    def failed(self, error: Exception) -> None:
        with self._lock:
            self._failures += 1
            now = time.monotonic()
            if self._last_warning is not None and now - self._last_warning < WARNING_INTERVAL:
                return
            failures, self._failures, self._last_warning = self._failures, 0, now
        logger.warning(
            "The cache (Redis) did not answer: %s: %s. Cache calls are misses until it does "
            "(%d failed since the last warning).",
            type(error).__name__,
            error,
            failures,
            extra={"cache_failures": failures},
        )


failures = _FailureLog()


class FailSoftRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, with Redis down read as a miss."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return False

    def incr(self, key, delta=1, version=None):
        """The new value; None (no count) when Redis is down. A missing key raises ValueError,
        as in every Django cache."""
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return list(data)  # Django's way of saying which keys were not set

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except REDIS_DOWN as error:
            failures.failed(error)
            return None

    def clear(self):
        try:
            return super().clear()
        except REDIS_DOWN as error:
            failures.failed(error)
            return False
