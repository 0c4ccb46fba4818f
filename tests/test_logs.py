"""Logs people can use: one JSON line per record, security fields as keys, never a secret."""

import io
import json
import logging
import os
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments import invitations
from innovation_checklist import logs
from tests.answering_helpers import save_area
from tests.builders import PASSWORD
from tests.email_helpers import send_invitation

BASE_DIR = Path(settings.BASE_DIR)
WRONG_PASSWORD = "Wrong-horse-battery-7781"
NEW_PASSWORD = "A-brand-new-passphrase-2026"
NOTE = "Confidential: the leader has not agreed the budget yet"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every log line written during the test, formatted as the settings' console handler
    formats it (LOG_FORMAT is json: the tests run with DEBUG off)."""
    console = logging.getHandlerByName("console")
    assert console is not None
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(console.formatter)
    root = logging.getLogger()
    root.addHandler(capture)
    yield stream
    root.removeHandler(capture)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_line_with_the_security_fields_as_keys(
    client, councillor, log_output
):
    client.post(
        reverse("assessments:sign_in"),
        {"email": councillor.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    lines = _lines(log_output)
    sign_in = next(line for line in lines if line.get("event") == "sign_in")
    assert sign_in["logger"] == "security"
    assert sign_in["level"] == "INFO"
    assert sign_in["user"] == councillor.pk
    assert sign_in["ip"] == "203.0.113.7"
    assert sign_in["path"] == reverse("assessments:sign_in")
    assert sign_in["message"].startswith("event=sign_in ")
    assert "timestamp" in sign_in
    assert "security_event" not in sign_in


def test_no_password_token_or_note_ever_reaches_the_log(
    client, councillor, officer, council, draft, log_output
):
    secrets = {WRONG_PASSWORD, NEW_PASSWORD, NOTE}

    # A wrong password, then an invitation link followed, used, and followed again (410).
    client.post(
        reverse("assessments:sign_in"), {"email": councillor.email, "password": WRONG_PASSWORD}
    )
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    token = send_invitation(invitation)  # by the task, which logs too
    secrets.add(token)
    accept = reverse("assessments:accept_invitation", kwargs={"token": token})
    client.get(accept)
    client.post(accept, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.post(reverse("assessments:sign_out"))
    assert client.get(accept).status_code == 410
    client.get(reverse("assessments:accept_invitation", kwargs={"token": token + "x"}))

    # A password reset, by its link (made here, as the email would carry it).
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})
    uid = urlsafe_base64_encode(force_bytes(councillor.pk))
    reset_token = default_token_generator.make_token(councillor)
    secrets.add(reset_token)
    link = reverse(
        "assessments:password_reset_confirm", kwargs={"uidb64": uid, "token": reset_token}
    )
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.get(link)  # used: Django shows "expired or used"

    # A note saved on an answer.
    councillor.refresh_from_db()  # its new password, or the session would not hold
    client.force_login(councillor)
    response = save_area(
        client, draft, "climate", default="yes", notes={"encourage-creativity": NOTE}
    )
    assert response.status_code == 302
    assert councillor.check_password(NEW_PASSWORD)
    assert draft.answers.get(question__code="encourage-creativity").note == NOTE

    output = log_output.getvalue()
    assert output  # something was logged, and all of it is JSON
    assert all(isinstance(line, dict) for line in _lines(log_output))
    for secret in secrets:
        assert secret not in output
    assert "/invitation/[redacted]/" in output  # the 410 was logged, without its token


def test_a_security_field_never_overwrites_the_lines_own_keys():
    record = logging.makeLogRecord(
        {
            "name": "security",
            "levelname": "INFO",
            "msg": "event=x",
            "security_event": {"event": "x", "message": "forged", "level": "ERROR"},
        }
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "event=x"
    assert line["level"] == "INFO"
    assert line["event"] == "x"


def test_runservers_request_lines_go_through_the_same_handler():
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gone: /invitation/abc.DEF_123/", "Gone: /invitation/[redacted]/"),
        ("GET /cy/invitation/abc?x=1 HTTP/1.1", "GET /cy/invitation/[redacted]?x=1 HTTP/1.1"),
        ("/password-reset/MQ/cz8-abc123/", "/password-reset/[redacted]/[redacted]/"),
        ("/password-reset/MQ/set-password/", "/password-reset/[redacted]/[redacted]/"),
        ("/password-reset/sent/", "/password-reset/sent/"),
        ("/invitations/12/resend/", "/invitations/12/resend/"),
    ],
)
def test_redact_takes_out_link_tokens_and_nothing_else(text, expected):
    assert logs.redact(text) == expected


def _logging_setting(**environ) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "DEBUG"}}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="innovation_checklist.settings", **environ)
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.LOGGING['formatters']['app']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_lines_are_json_by_default_and_plain_with_debug_on_or_log_format_text():
    assert _logging_setting()["()"] == "innovation_checklist.logs.JsonFormatter"
    assert _logging_setting(DEBUG="true")["()"] == "innovation_checklist.logs.TextFormatter"
    assert _logging_setting(LOG_FORMAT="text")["()"] == "innovation_checklist.logs.TextFormatter"
    assert _logging_setting(DEBUG="true", LOG_FORMAT="json")["()"].endswith("JsonFormatter")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter_config("xml")


def test_plain_lines_are_redacted_too():
    record = logging.makeLogRecord({"msg": "Gone: %s", "args": ("/invitation/t0k/",)})
    assert logs.TextFormatter("%(message)s").format(record) == "Gone: /invitation/[redacted]/"


def test_gunicorn_writes_its_lines_in_the_same_form_without_tokens(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["logconfig_dict"]
    assert config["formatters"]["app"]["()"] == "innovation_checklist.logs.JsonFormatter"
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["stdout"]
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["stderr"]
