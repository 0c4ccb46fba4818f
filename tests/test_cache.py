"""The shared cache: Redis when REDIS_URL is set, and Redis being down read as a miss."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from assessments import cache as cache_module
from assessments.cache import SKIP_SECONDS, FailSoftRedisCache
from tests.cache_helpers import OPTIONS, REDIS_URL, cache_config, closed_port

BASE_DIR = Path(settings.BASE_DIR)


def _caches_setting(**environ) -> dict:
    """settings.CACHES as the settings module builds it from `environ`."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="innovation_checklist.settings", **environ)
    code = "import json; from django.conf import settings; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_redis_url_each_process_has_an_in_memory_cache():
    backend = _caches_setting()["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_gives_the_shared_redis_cache_with_short_socket_timeouts():
    config = _caches_setting(REDIS_URL="redis://cache.example.org:6379/0")["default"]
    assert config["BACKEND"] == "assessments.cache.FailSoftRedisCache"
    assert config["LOCATION"] == "redis://cache.example.org:6379/0"
    assert config["OPTIONS"] == OPTIONS
    assert max(OPTIONS.values()) <= 0.5


def _redis(location: str, prefix: str) -> FailSoftRedisCache:
    config = cache_config(location, prefix)
    return FailSoftRedisCache(config["LOCATION"], config)


def test_with_redis_up_it_is_an_ordinary_cache(redis_prefix):
    redis_cache = _redis(REDIS_URL, redis_prefix)
    assert redis_cache.get("k") is None
    redis_cache.set("k", b"%PDF-1.7")
    assert redis_cache.get("k") == b"%PDF-1.7"
    assert redis_cache.add("n", 1) is True
    assert redis_cache.add("n", 1) is False
    assert redis_cache.incr("n") == 2
    assert redis_cache.delete("k") is True
    with pytest.raises(ValueError):
        redis_cache.incr("missing")


def test_with_redis_down_reads_miss_and_writes_say_they_did_not_happen():
    down = _redis(f"redis://127.0.0.1:{closed_port()}/0", "down")
    assert down.get("k") is None
    assert down.get("k", "default") == "default"
    assert down.set("k", b"x") is False
    assert down.add("k", 1) is False
    assert down.delete("k") is False
    assert down.touch("k") is False
    assert down.has_key("k") is False
    assert down.incr("k") is None  # the rate limiter's "no count": no limit
    assert down.get_many(["a", "b"]) == {}
    assert down.set_many({"a": 1}) == ["a"]
    assert down.clear() is False


class _Clock:
    """Stands in for the `time` module inside assessments.cache only."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(cache_module, "time", clock)
    monkeypatch.setattr(cache_module, "misses", cache_module._MissLog())
    return clock


class _Unreachable:
    """A Redis client stand-in that counts the calls that reach it, each one failing."""

    def __init__(self):
        self.calls = 0

    def get(self, key, default):
        self.calls += 1
        raise RedisTimeoutError("Timeout reading from socket")


def test_after_a_failure_calls_miss_at_once_for_a_few_seconds_then_try_again(clock):
    down = _redis(REDIS_URL, "unreachable")
    down._cache = _Unreachable()

    assert down.get("k") is None
    for _ in range(100):
        assert down.get("k", "default") == "default"
    assert down._cache.calls == 1  # one timeout, not a hundred

    clock.now += SKIP_SECONDS + 0.1
    down.get("k")
    assert down._cache.calls == 2


def test_a_dead_redis_is_logged_once_a_minute_with_a_count_not_once_per_call(clock, caplog):
    down = _redis(REDIS_URL, "unreachable")
    down._cache = _Unreachable()

    with caplog.at_level(logging.WARNING, logger="assessments.cache"):
        for _ in range(61):  # a call a second for a minute; Redis is tried every SKIP_SECONDS
            down.get("k")
            clock.now += 1
    warnings = [r for r in caplog.records if r.name == "assessments.cache"]
    assert len(warnings) == 2  # at the first failure, and at the first one a minute later
    assert "did not answer" in warnings[0].getMessage()
    assert warnings[1].cache_missed == 60  # every call that missed since the first warning


def test_other_redis_errors_are_not_hidden(redis_prefix):
    redis_cache = _redis(REDIS_URL, redis_prefix)
    redis_cache._cache.get_client(write=True).lpush(redis_cache.make_key("list"), 1)
    with pytest.raises(ResponseError):
        redis_cache.incr("list")


def test_the_default_cache_follows_the_settings_to_redis(shared_redis):
    cache.set("k", "v")
    assert _redis(REDIS_URL, shared_redis).get("k") == "v"


def test_with_the_default_cache_down_the_pdf_still_downloads(redis_down, client, submitted):
    client.force_login(submitted.owner)
    response = client.get(reverse("assessments:report_pdf", args=[submitted.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
