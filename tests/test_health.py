"""Operations: the health check, SQLite's settings under gunicorn, and gunicorn's own config."""

import json
import os
import runpy
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.utils import ConnectionHandler
from django.urls import reverse
from gunicorn.config import KNOWN_SETTINGS

from assessments.views import health

BASE_DIR = Path(settings.BASE_DIR)


def test_the_health_check_lives_at_healthz():
    assert reverse("operations:healthz") == "/healthz"


def test_the_health_check_answers_ok_without_signing_in(client, db):
    response = client.get(reverse("operations:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\ncache: ok\n"
    assert response["Content-Type"].startswith("text/plain")


def test_the_health_check_says_the_shared_cache_answers(client, db, shared_redis):
    response = client.get(reverse("operations:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\ncache: ok\n"


def test_with_redis_down_the_health_check_says_degraded_and_still_answers_200(
    client, db, redis_down
):
    response = client.get(reverse("operations:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\ncache: degraded\n"


def test_the_health_check_is_never_cached(client, db):
    response = client.get(reverse("operations:healthz"))
    assert "no-store" in response["Cache-Control"]


def test_the_health_check_answers_head_and_refuses_post(client, db):
    assert client.head(reverse("operations:healthz")).status_code == 200
    assert client.post(reverse("operations:healthz")).status_code == 405


def test_the_health_check_answers_plain_http_when_https_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("operations:healthz")).status_code == 200
    assert client.get(reverse("assessments:start")).status_code == 301


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_the_health_check_says_503_when_the_database_does_not_answer(
    client, db, monkeypatch, caplog
):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    response = client.get(reverse("operations:healthz"))
    assert response.status_code == 503
    assert response.content == b"database unavailable\ncache: ok\n"
    assert b"could not connect" not in response.content
    assert "database did not answer" in caplog.text


def _database_options(**environ) -> dict:
    """The default database's OPTIONS as the settings module builds them from `environ`."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="innovation_checklist.settings", **environ)
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_gets_wal_immediate_transactions_and_a_busy_timeout():
    assert _database_options() == settings.SQLITE_OPTIONS


def test_postgresql_is_left_without_the_sqlite_options():
    options = _database_options(DATABASE_URL="postgres://app@db.example.org:5432/innovation")
    assert "transaction_mode" not in options
    assert "init_command" not in options


@pytest.fixture
def sqlite_file_database(db, tmp_path):
    """A connection, known to Django as "wal_check", to a file database with the production
    SQLite options (an in-memory test database cannot use WAL)."""
    path = tmp_path / "app.sqlite3"
    # ConnectionHandler fills in the keys Django adds to every DATABASES entry.
    settings_dict = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": settings.SQLITE_OPTIONS,
            }
        }
    ).settings["default"]
    connection = DatabaseWrapper(settings_dict, alias="wal_check")
    connections["wal_check"] = connection
    yield connection, path
    connection.close()
    del connections["wal_check"]


def test_a_sqlite_file_database_runs_in_wal_mode_with_a_busy_timeout(sqlite_file_database):
    connection, _ = sqlite_file_database
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000


def test_a_sqlite_transaction_takes_the_write_lock_when_it_begins(sqlite_file_database):
    connection, path = sqlite_file_database
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x integer)")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        # Nothing written yet, but BEGIN IMMEDIATE already holds the write lock, so a second
        # writer waits its turn instead of failing later, halfway through.
        with (
            transaction.atomic(using="wal_check"),
            pytest.raises(sqlite3.OperationalError, match="locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def _gunicorn_config(monkeypatch, **environ) -> dict:
    for name in ("GUNICORN_BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    return {name: value for name, value in namespace.items() if name in GUNICORN_SETTINGS}


GUNICORN_SETTINGS = {setting.name for setting in KNOWN_SETTINGS}


def test_gunicorn_runs_a_worker_pool_sized_from_the_cpus_and_capped(monkeypatch):
    config = _gunicorn_config(monkeypatch)
    assert config["workers"] == min(2 * len(os.sched_getaffinity(0)) + 1, 9)
    assert config["wsgi_app"] == "innovation_checklist.wsgi:application"
    assert config["bind"] == "127.0.0.1:8000"


def test_gunicorn_outwaits_the_slowest_pdf_and_recycles_workers(monkeypatch):
    config = _gunicorn_config(monkeypatch)
    assert config["timeout"] >= 60
    assert config["max_requests"] > 0 and config["max_requests_jitter"] > 0
    assert config["accesslog"] == "-"


def test_gunicorn_listens_on_every_interface_when_the_platform_sets_port(monkeypatch):
    config = _gunicorn_config(monkeypatch, PORT="8080", WEB_CONCURRENCY="2")
    assert config["bind"] == "0.0.0.0:8080"
    assert config["workers"] == 2
