"""Error reports through sentry-sdk when SENTRY_DSN is set: the error, and nothing personal."""

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from innovation_checklist import logs

BASE_DIR = Path(settings.BASE_DIR)

EMAIL = "councillor@example.org"
NOTE = "A private note about the leader"
COOKIE = "cookie-value-that-must-stay-home"
TOKEN = "invitation-token-that-must-stay-home"

# Run in a process of its own, so that sentry_sdk.init (in settings.py, as in production) and
# its patches to Django stay out of the test process. A view that fails is added for the run;
# the database is never touched (sessions in signed cookies, a view that needs no sign-in).
PROBE = f"""
import io, sys, types
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import sentry_sdk
from django.core.wsgi import get_wsgi_application

from django.conf import settings

# Sessions in the cookie, set before the middleware is built (every request reads its session
# now: two-factor's set-up check), so the probe needs no database.
settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
application = get_wsgi_application()  # sets Django up, and with it sentry_sdk (settings.py)
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_not_required
def fails(request, token):
    raise RuntimeError("the probe view failed")


urls = types.ModuleType("probe_urls")
urls.urlpatterns = [path("invitation/<str:token>/", fails)]
sys.modules["probe_urls"] = urls
settings.ROOT_URLCONF = "probe_urls"

# A POST as gunicorn hands it over, through the whole WSGI stack Sentry hooks into.
body = urlencode({{"email": {EMAIL!r}, "note": {NOTE!r}, "password": "x"}}).encode()
environ = {{
    "REQUEST_METHOD": "POST",
    "PATH_INFO": "/invitation/{TOKEN}/",
    "HTTP_HOST": "testserver",
    "HTTP_COOKIE": settings.SESSION_COOKIE_NAME + "={COOKIE}",
    "CONTENT_TYPE": "application/x-www-form-urlencoded",
    "CONTENT_LENGTH": str(len(body)),
    "wsgi.input": io.BytesIO(body),
}}
setup_testing_defaults(environ)
statuses = []
application(environ, lambda status, headers, exc_info=None: statuses.append(status))
assert statuses[0].startswith("500"), statuses
sentry_sdk.flush(timeout=10)
"""


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def sentry_server() -> Iterator[ThreadingHTTPServer]:
    """A stand-in for Sentry on 127.0.0.1 that keeps every envelope it is sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _events(envelopes: list[bytes]) -> list[dict]:
    """The error events in Sentry envelopes (a header line, then item header and payload
    lines)."""
    events = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_an_error_reaches_sentry_without_cookies_body_email_or_token(sentry_server, tmp_path):
    port = sentry_server.server_address[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="innovation_checklist.settings",
        SECRET_KEY="x",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        SENTRY_DSN=f"http://public@127.0.0.1:{port}/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="2026.12.1",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    events = _events(sentry_server.received)  # type: ignore[attr-defined]
    errors = [e for e in events if e.get("exception")]
    assert errors, f"no error event arrived: {sentry_server.received}"  # type: ignore[attr-defined]
    error = errors[0]
    assert error["exception"]["values"][-1]["value"] == "the probe view failed"
    assert error["environment"] == "staging"
    assert error["release"] == "2026.12.1"
    assert error["request"]["url"] == "http://testserver/invitation/[redacted]/"
    assert error["request"]["method"] == "POST"
    assert "cookies" not in error["request"]
    assert not error["request"].get("data")  # the POST body: left out, not even its fields
    assert "user" not in error or not error["user"].get("email")
    sent = b"".join(sentry_server.received)  # type: ignore[attr-defined]
    for secret in (EMAIL, NOTE, COOKIE, TOKEN):
        i = sent.find(secret.encode())
        assert i < 0, sent[max(0, i - 300) : i + 100]


def test_the_sentry_hook_takes_tokens_out_of_urls_and_messages():
    event = {
        "request": {"url": f"https://innovation.example.org/invitation/{TOKEN}/"},
        "breadcrumbs": {"values": [{"message": f"Gone: /invitation/{TOKEN}/"}]},
        "logentry": {"message": "/password-reset/MQ/abc-123/"},
    }
    scrubbed = json.dumps(logs.scrub_sentry_event(event, {}))
    assert TOKEN not in scrubbed
    assert "abc-123" not in scrubbed
