"""
The shared cache: Django's own Redis backend, except that Redis being down is a miss, never an
error.

Nothing the service keeps in the cache is needed to serve a page: rendered PDFs can be rendered
again, and rate-limit counters fail open (`assessments.ratelimits`). So when Redis does not
answer, a read is a miss (`get` returns its default), a write is skipped and says so (`set`, `add`,
`delete` and the like return False) and `incr` returns None, which the rate limiter reads as "no
count, no limit". The socket timeouts in settings.CACHES keep each such call short.

After a call finds Redis down, the same cache client does not try again for SKIP_SECONDS: its
calls miss at once. So a Redis that is unreachable (every connection waiting out its timeout)
costs a process one timeout every few seconds, not one per cache call of every request.

A dead Redis is logged as a warning at most once a minute per process, with the number of calls
that missed since the last warning, rather than once per call: a busy server would otherwise
write thousands of identical lines a minute and bury everything else.
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
SKIP_SECONDS = 5.0
WARNING_INTERVAL = 60.0


class _MissLog:
    """Counts the calls that missed because Redis was down, and logs a warning when a call
    fails, at most once every WARNING_INTERVAL seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._missed = 0
        self._last_warning: float | None = None

    def skipped(self) -> None:
        with self._lock:
            self._missed += 1

    def failed(self, error: Exception) -> None:
        with self._lock:
            self._missed += 1
            now = time.monotonic()
            if self._last_warning is not None and now - self._last_warning < WARNING_INTERVAL:
                return
            missed, self._missed, self._last_warning = self._missed, 0, now
        logger.warning(
            "The cache (Redis) did not answer: %s: %s. Cache calls miss until it does "
            "(%d missed since the last warning).",
            type(error).__name__,
            error,
            missed,
            extra={"cache_missed": missed},
        )


misses = _MissLog()


class FailSoftRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, with Redis down read as a miss."""

    _skip_until = 0.0

    def _guarded(self, miss, call, *args):
        """`call(*args)`, or `miss` if Redis is down (or was, less than SKIP_SECONDS ago)."""
        if time.monotonic() < self._skip_until:
            misses.skipped()
            return miss
        try:
            return call(*args)
        except REDIS_DOWN as error:
            self._skip_until = time.monotonic() + SKIP_SECONDS
            misses.failed(error)
            return miss

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        """The new value; None (no count: the rate limiter lets the request through) when
        Redis is down. A missing key raises ValueError, as in every Django cache."""
        return self._guarded(None, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's way of saying which keys were not set: all of them.
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)
