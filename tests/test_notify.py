"""
GOV.UK Notify as the mailer, against a local HTTP server that checks what the real client sends.

The server (stdlib `http.server` on 127.0.0.1, in a thread) stands in for Notify's API: it
decodes the bearer token as Notify does (HS256, `iss` the service id from the key, `iat`
fresh, signed with the key's secret), records each email request (path, template id,
personalisation, reference), and serves a notification's status back. It answers with a
chosen error to show how each is handled. No request leaves the machine.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments import invitations
from assessments.models import Email
from tests.email_helpers import make_due

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"innovation_test-{SERVICE_ID}-{SECRET}"
TEMPLATES = {
    "invitation": "11111111-1111-1111-1111-111111111111",
    "password_reset": "22222222-2222-2222-2222-222222222222",
    "completion_reminder": "33333333-3333-3333-3333-333333333333",
    "step_reminder": "44444444-4444-4444-4444-444444444444",
    "group_added": "55555555-5555-5555-5555-555555555555",
    "group_reminder": "66666666-6666-6666-6666-666666666666",
}
WELSH_TEMPLATES = {
    purpose: template.replace("-", "-c", 1)[:36] for purpose, template in TEMPLATES.items()
}
NOT_A_VALID_ADDRESS = {
    "status_code": 400,
    "errors": [{"error": "ValidationError", "message": "email_address Not a valid email address"}],
}


@dataclass
class FakeNotify:
    """What the stand-in Notify received, and how it should answer next."""

    sent: list[dict] = field(default_factory=list)
    token_claims: list[dict] = field(default_factory=list)
    status_reads: list[str] = field(default_factory=list)
    fail_with: tuple[int, dict] | None = None
    status: str = "delivered"
    base_url: str = ""


def _handler(notify: FakeNotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test reads `notify`, not the log
            pass

        def _authorised(self) -> bool:
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.PyJWTError:
                claims = None
            if scheme != "Bearer" or not claims or claims.get("iss") != SERVICE_ID:
                self._answer(403, {"errors": [{"error": "AuthError"}]})
                return False
            if abs(time.time() - claims["iat"]) > 30:  # Notify's own bound
                self._answer(403, {"errors": [{"error": "AuthError", "message": "expired"}]})
                return False
            notify.token_claims.append(claims)
            return True

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if not self._authorised():
                return
            if self.path != "/v2/notifications/email":
                self._answer(404, {"errors": [{"error": "NotFound"}]})
                return
            if notify.fail_with:
                self._answer(*notify.fail_with)
                return
            body["id"] = str(uuid.uuid4())
            notify.sent.append(body)
            self._answer(201, {"id": body["id"], "reference": body.get("reference")})

        def do_GET(self):
            if not self._authorised():
                return
            notification_id = self.path.removeprefix("/v2/notifications/")
            notify.status_reads.append(notification_id)
            self._answer(200, {"id": notification_id, "status": notify.status})

    return Handler


@pytest.fixture
def notify(settings, monkeypatch) -> Iterator[FakeNotify]:
    """The stand-in Notify on a loopback port; the settings point the service at it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # requests would honour a proxy in the env
    fake = FakeNotify()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = fake.base_url
    settings.NOTIFY_TEMPLATES = TEMPLATES
    settings.NOTIFY_TEMPLATES_WELSH = WELSH_TEMPLATES
    yield fake
    server.shutdown()
    server.server_close()


def _invite(council, officer):
    return invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )


def test_an_invitation_goes_to_notify_with_its_template_personalisation_and_reference(
    council, officer, notify, run_tasks, settings
):
    settings.SITE_URL = "https://innovation.example.org"
    invitation = _invite(council, officer)

    run_tasks()

    (sent,) = notify.sent
    assert sent["email_address"] == "nia@example.org"
    assert sent["template_id"] == TEMPLATES["invitation"]
    assert sent["reference"] == f"invitation:{invitation.pk}"
    personalisation = sent["personalisation"]
    fields = {"full_name", "council", "inviter", "link", "expires"}
    # Nia's language is not known yet: the English template (English first), each field also
    # in Welsh for a bilingual template.
    assert set(personalisation) == fields | {f"{name}_cy" for name in fields}
    assert personalisation["full_name"] == "Nia Jones"
    assert personalisation["council"] == "Northshire County Council"
    assert personalisation["inviter"] == "Jo Williams"
    assert personalisation["link"].startswith("https://innovation.example.org/")
    token = personalisation["link"].rstrip("/").rsplit("/", 1)[1]
    assert invitations.check_invitation_token(token) == invitation
    assert mail.outbox == []  # Notify instead of the mailer, not as well
    email = Email.objects.get()
    assert email.state == Email.State.SENT
    assert email.provider_reference == sent["id"]
    (claims,) = notify.token_claims
    assert claims["iss"] == SERVICE_ID


def test_a_password_reset_goes_to_notify_with_its_own_template(
    client, councillor, notify, run_tasks
):
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})

    run_tasks()

    (sent,) = notify.sent
    assert sent["template_id"] == TEMPLATES["password_reset"]
    assert set(sent["personalisation"]) == {"full_name", "link"}
    assert sent["reference"].startswith(f"password_reset:{councillor.pk}:")


def test_delivery_is_read_back_after_sending_and_shown_beside_the_invitation(
    client, council, officer, notify, run_tasks
):
    _invite(council, officer)
    run_tasks()
    email = Email.objects.get()
    (check,) = DBTaskResult.objects.filter(status="READY")
    assert check.task_path == "assessments.emails.email_check_delivery"
    assert check.run_after > timezone.now() + timedelta(minutes=1)  # a few minutes on

    make_due(email)
    run_tasks()

    email.refresh_from_db()
    assert notify.status_reads == [email.provider_reference]
    assert email.delivery == Email.Delivery.DELIVERED
    assert email.delivery_checked_at is not None
    assert not DBTaskResult.objects.filter(status="READY").exists()  # final: no more checks
    client.force_login(officer)
    assert "Delivered" in client.get(reverse("assessments:invite")).text


def test_a_permanent_failure_is_shown_as_not_delivered_with_send_again(
    client, council, officer, notify, run_tasks
):
    notify.status = "permanent-failure"
    _invite(council, officer)
    run_tasks()
    make_due(Email.objects.get())
    run_tasks()

    assert Email.objects.get().delivery == Email.Delivery.PERMANENT_FAILURE
    client.force_login(officer)
    page = client.get(reverse("assessments:invite")).text
    assert "Not delivered" in page
    assert "Send again" in page


def test_a_status_not_yet_final_is_checked_again_later(council, officer, notify, run_tasks):
    notify.status = "sending"
    _invite(council, officer)
    run_tasks()
    make_due(Email.objects.get())

    run_tasks()

    email = Email.objects.get()
    assert email.delivery == Email.Delivery.UNKNOWN
    (again,) = DBTaskResult.objects.filter(status="READY")
    assert again.task_path == "assessments.emails.email_check_delivery"
    assert again.run_after > timezone.now()


def test_delivery_checks_stop_three_days_after_sending(council, officer, notify, run_tasks):
    notify.status = "sending"
    _invite(council, officer)
    run_tasks()
    email = Email.objects.get()
    Email.objects.filter(pk=email.pk).update(sent_at=timezone.now() - timedelta(days=3))
    make_due(email)

    run_tasks()

    assert notify.status_reads == [email.provider_reference]
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_server_error_from_notify_is_retried(council, officer, notify, run_tasks):
    notify.fail_with = (500, {"errors": [{"error": "Exception", "message": "Internal error"}]})
    _invite(council, officer)

    run_tasks()

    email = Email.objects.get()
    assert (email.state, email.last_error) == (Email.State.RETRYING, "HTTPError 500")
    notify.fail_with = None
    make_due(email)
    run_tasks()
    assert Email.objects.get().state == Email.State.SENT
    assert len(notify.sent) == 1


def test_notify_unreachable_is_retried(council, officer, notify, run_tasks, settings):
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"  # discard port: nobody listens
    _invite(council, officer)

    run_tasks()

    email = Email.objects.get()
    assert (email.state, email.last_error) == (Email.State.RETRYING, "HTTP503Error 503")


def test_an_address_notify_calls_not_valid_gives_up_at_once(council, officer, notify, run_tasks):
    notify.fail_with = (400, NOT_A_VALID_ADDRESS)
    _invite(council, officer)

    run_tasks()

    email = Email.objects.get()
    assert (email.state, email.attempts) == (Email.State.GAVE_UP, 1)
    assert email.last_error == "HTTPError 400"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_deploy_check_refuses_notify_with_a_template_id_missing(settings):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_TEMPLATES = {**TEMPLATES, "step_reminder": ""}

    with pytest.raises(SystemCheckError, match="NOTIFY_TEMPLATE_STEP_REMINDER"):
        call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")


def test_the_deploy_check_is_content_with_every_template_id(settings):
    from assessments.checks import check_notify_templates

    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_TEMPLATES = TEMPLATES

    assert check_notify_templates(None) == []


def test_a_welsh_speaker_gets_the_welsh_template_with_welsh_fields(
    client, councillor, notify, run_tasks, settings
):
    settings.SITE_URL = "https://innovation.example.org"
    councillor.language = "cy"
    councillor.save(update_fields=["language"])
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})

    run_tasks()

    (sent,) = notify.sent
    assert sent["template_id"] == WELSH_TEMPLATES["password_reset"]
    assert set(sent["personalisation"]) == {"full_name", "link"}
    assert sent["personalisation"]["link"].startswith("https://innovation.example.org/cy/")


def test_a_welsh_councils_invitation_uses_the_welsh_template_welsh_first(
    council, officer, notify, run_tasks, settings
):
    settings.SITE_URL = "https://innovation.example.org"
    council.welsh_first = True
    council.save(update_fields=["welsh_first"])
    _invite(council, officer)

    run_tasks()

    (sent,) = notify.sent
    assert sent["template_id"] == WELSH_TEMPLATES["invitation"]
    personalisation = sent["personalisation"]
    assert personalisation["link"].startswith("https://innovation.example.org/cy/")
    assert personalisation["link_en"].startswith("https://innovation.example.org/invitation/")


def test_without_a_welsh_template_a_welsh_speaker_gets_the_english_one(
    client, councillor, notify, run_tasks, settings
):
    settings.NOTIFY_TEMPLATES_WELSH = {**WELSH_TEMPLATES, "password_reset": ""}
    councillor.language = "cy"
    councillor.save(update_fields=["language"])
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})

    run_tasks()

    (sent,) = notify.sent
    assert sent["template_id"] == TEMPLATES["password_reset"]


def test_the_deploy_check_warns_while_a_welsh_template_is_missing(settings):
    from assessments.checks import check_notify_welsh_templates

    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_TEMPLATES_WELSH = {**WELSH_TEMPLATES, "group_added": ""}

    (warning,) = check_notify_welsh_templates(None)
    assert "NOTIFY_TEMPLATE_GROUP_ADDED_CY" in warning.hint
    settings.NOTIFY_TEMPLATES_WELSH = WELSH_TEMPLATES
    assert check_notify_welsh_templates(None) == []
