"""
The task worker as production runs it: `manage.py db_worker` in a process of its own.

An officer invites someone through the live server, over HTTP; the page answers at once, and
the worker, a separate process reading the same test database (a file on SQLite, see
tests/conftest.py; the test database on PostgreSQL), sends the email to an SMTP server on
loopback. The test waits for it, for at most `WAIT` seconds, and then reads the officer's page.
It runs on SQLite by default and on PostgreSQL with a postgres:// DATABASE_URL.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from assessments.models import Email, Invitation
from tests.builders import PASSWORD
from tests.email_helpers import Inbox, free_port, invitation_link_in, text_of

WAIT = 30  # seconds: a worker polling every 0.2 s needs well under one


def _database_url() -> str:
    """The test database, as the worker's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = quote(db["PASSWORD"] or "", safe="")
    return (
        f"postgres://{quote(db['USER'], safe='')}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """An SMTP server on loopback for the worker (not this process) to send to."""
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def worker_log(tmp_path) -> Path:
    return tmp_path / "worker.log"


@pytest.fixture
def worker(transactional_db, live_server, inbox, worker_log) -> Iterator[subprocess.Popen]:
    """`manage.py db_worker` against the test database, mailing `inbox`; stopped (SIGTERM, as
    a process manager stops it) before the database is emptied."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "test-only-worker-secret-key-0123456789",
        "SITE_URL": live_server.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(inbox.port),
        "EMAIL_USE_TLS": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DEBUG", None)
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
    with worker_log.open("w") as log:
        process = subprocess.Popen(
            [*command, "--no-startup-delay", "--no-reload"],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        yield process
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(condition: Callable[[], bool], what: str, worker_log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"No {what} within {WAIT} s. The worker said:\n{worker_log.read_text()}")


def _signed_in_session(base_url: str, email: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    sign_in = base_url + reverse("assessments:sign_in")
    session.get(sign_in)
    response = session.post(
        sign_in,
        {
            "email": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return session


@pytest.fixture
def plain_http_cookies(settings) -> None:
    # The live server speaks plain HTTP, and an HTTP client keeps no Secure cookie for it (a
    # browser makes an exception for localhost; requests does not).
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "csrftoken"


def test_an_invitation_made_on_the_live_server_is_sent_by_a_real_worker_process(
    live_server, worker, worker_log, inbox, officer, plain_http_cookies
):
    session = _signed_in_session(live_server.url, officer.email)
    invite = live_server.url + reverse("assessments:invite")

    response = session.post(
        invite,
        {
            "full_name": "Nia Jones",
            "email": "nia@example.org",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )

    assert response.status_code == 302
    assert Invitation.objects.filter(user__email="nia@example.org").exists()
    _wait_for(lambda: len(inbox.messages) == 1, "email at the SMTP server", worker_log)
    _wait_for(
        lambda: Email.objects.filter(state=Email.State.SENT).exists(),
        "email recorded as sent",
        worker_log,
    )
    assert inbox.recipients == ["nia@example.org"]
    text = text_of(inbox.messages[0])
    link = live_server.url + invitation_link_in(text)
    assert link in text  # made from SITE_URL by the worker, with no request to go by
    page = session.get(invite).text
    assert "Email sent" in page
    # The link the worker made works on the live server.
    assert requests.get(link, timeout=10).status_code == 200
    assert worker.poll() is None  # still running: it takes the next task as it comes
