"""
Security hardening: cookies and sessions, the Content-Security-Policy, never-cached reports,
error pages that show nothing, and the security log.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from assessments import invitations
from assessments.audit import log_security_event
from assessments.models import Assessment
from tests.builders import PASSWORD, add_note, answer_all
from tests.email_helpers import send_invitation
from tests.group_helpers import build_group
from tests.test_permissions import MATRIX, url_for

# The fixture holding the objects every URL of the matrix names.
from tests.test_permissions import world as world
from tests.test_settings import PRODUCTION_ENV, run_manage

PRIVATE_NOTE = "A private note that must never reach a log"
TEMPLATES = Path(django_settings.BASE_DIR) / "templates"

PRODUCTION_COOKIES = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
}


def settings_under(env: dict[str, str], *names: str) -> dict:
    """The named settings as the settings module computes them from `env`, in a fresh process."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "security"]


def all_log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


# --- Settings for production and development -----------------------------------------------


def test_production_gets_secure_host_cookies_hsts_and_https():
    values = settings_under(
        PRODUCTION_ENV,
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "DATA_RETENTION_DAYS",
    )

    assert values == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_AGE": 8 * 60 * 60,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "DATA_RETENTION_DAYS": 2190,
    }


def test_development_over_http_keeps_plain_cookie_names_that_browsers_accept():
    values = settings_under(
        {"DEBUG": "true"},
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_AGE",
        "SECURE_SSL_REDIRECT",
        "SECURE_CSP",
    )

    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["CSRF_COOKIE_NAME"] == "csrftoken"
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    # Sessions and the CSP are the same everywhere.
    assert values["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert values["SECURE_CSP"]["default-src"] == ["'self'"]


def test_retention_comes_from_the_environment():
    values = settings_under({**PRODUCTION_ENV, "DATA_RETENTION_DAYS": "30"}, "DATA_RETENTION_DAYS")

    assert values == {"DATA_RETENTION_DAYS": 30}


@override_settings(**PRODUCTION_COOKIES)
def test_signing_in_sets_host_prefixed_secure_http_only_cookies(client, councillor):
    page = client.get(reverse("assessments:sign_in"))
    response = client.post(
        reverse("assessments:sign_in"), {"email": councillor.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    csrf = page.cookies["__Host-csrftoken"]
    session = response.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        # A __Host- cookie must be Secure, on path /, and name no Domain.
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        assert cookie["samesite"] == "Lax"
    assert session["httponly"] is True
    # Ends with the browser: no lifetime is given to the browser ...
    assert session["max-age"] == ""
    assert session["expires"] == ""
    # ... and the server forgets it after 8 hours in any case.
    assert client.session.get_expire_at_browser_close() is True
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in page.cookies


# --- Content-Security-Policy ---------------------------------------------------------------

EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize(
    "url", [reverse("assessments:start"), reverse("assessments:sign_in"), "/no-such-page/"]
)
def test_every_response_carries_the_content_security_policy(client, checklist, url):
    response = client.get(url)

    assert csp_directives(response) == EXPECTED_DIRECTIVES


def test_signed_in_pages_carry_the_policy_too(client, councillor, checklist):
    client.force_login(councillor)

    response = client.get(reverse("assessments:dashboard"))

    assert csp_directives(response) == EXPECTED_DIRECTIVES


# --- Permissions-Policy --------------------------------------------------------------------

TURNED_OFF = {"camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"}


def permissions_policy(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


@pytest.mark.parametrize(
    "url", [reverse("assessments:start"), reverse("assessments:sign_in"), "/no-such-page/"]
)
def test_every_response_turns_off_the_browser_features_the_service_never_uses(
    client, checklist, url
):
    policy = permissions_policy(client.get(url))

    assert policy.keys() >= TURNED_OFF
    # Off for the page and for any frame in it: an empty allow-list.
    assert set(policy.values()) == {"()"}


def test_signed_in_pages_turn_them_off_too(client, councillor, checklist):
    client.force_login(councillor)

    policy = permissions_policy(client.get(reverse("assessments:dashboard")))

    assert policy.keys() >= TURNED_OFF


# --- HSTS preload ----------------------------------------------------------------------------


def test_hsts_preload_is_off_unless_the_environment_asks_for_it():
    default = settings_under(PRODUCTION_ENV, "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD")
    asked = settings_under({**PRODUCTION_ENV, "SECURE_HSTS_PRELOAD": "true"}, "SECURE_HSTS_PRELOAD")

    assert default == {"SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60, "SECURE_HSTS_PRELOAD": False}
    assert asked == {"SECURE_HSTS_PRELOAD": True}


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def our_page_templates() -> list[Path]:
    # Emails are read in mail programs, not under our policy: their inline styles stay.
    return [p for p in TEMPLATES.rglob("*.html") if "emails" not in p.relative_to(TEMPLATES).parts]


def test_our_templates_have_no_inline_scripts_styles_or_event_handlers():
    offenders = []
    for path in our_page_templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m}" for m in pattern.findall(text)]

    assert offenders == []


def assert_page_works_under_the_policy(html: str) -> None:
    """Every script and stylesheet is a file of our own that exists; nothing is inline."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not re.search(r"<style\b", html, re.I)
    assert not EVENT_HANDLER.search(html)
    urls = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
    urls += re.findall(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), url  # same origin
        if url.startswith(django_settings.STATIC_URL) or url.startswith("/static/"):
            assert finders.find(url.split("/static/", 1)[1]), url


def test_our_pages_load_only_our_own_scripts_and_styles(client, councillor, checklist):
    client.force_login(councillor)

    assert_page_works_under_the_policy(
        client.get(reverse("assessments:dashboard")).content.decode()
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:assessments_user_changelist"),
        reverse("admin:assessments_council_add"),
        reverse("admin:assessments_checklistversion_changelist"),
    ],
)
def test_the_admin_works_under_the_policy_without_a_relaxation(client, admin_user, checklist, url):
    client.force_login(admin_user)

    response = client.get(url)

    assert response.status_code == 200
    assert csp_directives(response) == EXPECTED_DIRECTIVES
    assert_page_works_under_the_policy(response.content.decode())


# --- Reports and exports are never cached --------------------------------------------------


@pytest.fixture
def report(submitted):
    """The councillor's submitted assessment with a private note."""
    add_note(submitted, "devote-resources", PRIVATE_NOTE)
    return submitted


@pytest.mark.parametrize("name", ["assessments:report", "assessments:report_pdf"])
def test_reports_and_their_pdfs_are_never_cached(client, councillor, report, name):
    client.force_login(councillor)

    response = client.get(reverse(name, args=[report.pk]))

    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private", "max-age=0"} <= cache_control
    assert "Expires" in response


def test_a_pdf_download_is_logged_without_the_notes(client, councillor, report, caplog):
    client.force_login(councillor)

    with caplog.at_level("INFO", logger="security"):
        client.get(reverse("assessments:report_pdf", args=[report.pk]))

    assert any(
        "event=export" in line and "kind=report_pdf" in line and f"assessment={report.pk}" in line
        for line in security_lines(caplog)
    )
    assert PRIVATE_NOTE not in all_log_text(caplog)


def never_cached(response) -> bool:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"no-store", "no-cache", "private", "max-age=0"} <= cache_control


def test_a_shared_report_and_its_pdf_are_never_cached_for_officers_and_the_pdf_is_logged(
    client, officer, council, report, caplog
):
    report.shared_at = timezone.now()
    report.save(update_fields=["shared_at"])
    client.force_login(officer)
    args = [council.slug, report.pk]

    with caplog.at_level("INFO", logger="security"):
        page = client.get(reverse("assessments:shared_report", args=args))
        pdf = client.get(reverse("assessments:shared_report_pdf", args=args))

    assert page.status_code == pdf.status_code == 200
    assert never_cached(page) and never_cached(pdf)
    assert any("kind=shared_report_pdf" in line for line in security_lines(caplog))
    assert PRIVATE_NOTE not in all_log_text(caplog)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("assessments:group_report", None),
        ("assessments:group_report_pdf", "group_report_pdf"),
        ("assessments:group_report_csv", "group_report_csv"),
    ],
)
def test_group_reports_and_exports_are_never_cached_and_downloads_are_logged(
    client, officer, council, checklist, caplog, name, kind
):
    setup = build_group(council, checklist, councillors=3, members=3, facilitator=officer)
    client.force_login(officer)

    with caplog.at_level("INFO", logger="security"):
        response = client.get(reverse(name, args=[setup.group.pk]))

    assert response.status_code == 200
    assert never_cached(response)
    if kind:
        assert any(
            f"kind={kind}" in line and f"group={setup.group.pk}" in line
            for line in security_lines(caplog)
        )


# --- Every page for a signed-in person is never cached --------------------------------------
# The walk goes through every URL of the `assessments` namespace (the permission matrix, which a
# new URL must join: tests/test_permissions.py), as the owner, an officer and an admin, so a new
# page that would be cached for a signed-in person fails here.

# Signing out ends the session: its redirect is sent to someone no longer signed in.
NOT_SIGNED_IN_AFTER = {"sign_out"}


@pytest.mark.parametrize("name", sorted(set(MATRIX) - NOT_SIGNED_IN_AFTER))
def test_every_page_sent_to_a_signed_in_person_is_never_cached(client, request, name):
    method = MATRIX[name][0]
    url = url_for(name, request.getfixturevalue("world"))
    for persona in ("councillor", "officer", "admin_user"):
        with transaction.atomic():
            client.force_login(request.getfixturevalue(persona))

            response = getattr(client, method)(url)

            assert never_cached(response), f"{name} for {persona}: {response.status_code}"
            assert "Expires" in response
            transaction.set_rollback(True)


@pytest.mark.parametrize(
    "name", ["assessments:area", "assessments:check_answers", "assessments:action_step"]
)
def test_the_pages_that_were_cached_before_show_private_notes_and_are_not_now(
    client, councillor, checklist, submitted, name
):
    """The pages issue #10 found cached: each shows the councillor's own note, and is no-store."""
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    answer_all(draft)
    add_note(draft, "devote-resources", PRIVATE_NOTE)
    add_note(submitted, "devote-resources", PRIVATE_NOTE)
    args = {
        "assessments:area": [draft.pk, "delivery"],
        "assessments:check_answers": [draft.pk],
        "assessments:action_step": [submitted.pk, "devote-resources"],
    }[name]
    client.force_login(councillor)

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    if name != "assessments:action_step":  # the next-step page shows the answer, not its note
        assert PRIVATE_NOTE in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_pages_for_people_not_signed_in_are_left_to_the_browser(client, checklist):
    response = client.get(reverse("assessments:start"))

    assert "Cache-Control" not in response


# --- Error pages show nothing --------------------------------------------------------------

MARKER = "zz-secret-path-marker"


def assert_leaks_nothing(response) -> None:
    html = response.content.decode()
    assert MARKER not in html
    for tell in ("Traceback", "Request Method", "Django", "settings.py", "urlpatterns"):
        assert tell not in html


def test_a_missing_page_shows_the_plain_404_page(client, councillor):
    client.force_login(councillor)

    response = client.get(f"/{MARKER}/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert_leaks_nothing(response)


def test_a_refused_page_shows_the_plain_403_page_and_is_logged(client, councillor, caplog):
    client.force_login(councillor)

    with caplog.at_level("INFO", logger="security"):
        response = client.get(reverse("assessments:invite"), {"next": MARKER})

    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()
    assert_leaks_nothing(response)
    assert any(
        "event=permission_denied" in line and f"user={councillor.pk}" in line
        for line in security_lines(caplog)
    )


def test_a_forged_host_gets_the_plain_400_page(client):
    response = client.get("/", HTTP_HOST=f"{MARKER}.example")

    assert response.status_code == 400
    assert "Sorry, there is a problem with this request" in response.content.decode()
    assert_leaks_nothing(response)


def test_the_error_pages_have_no_inline_scripts_or_styles():
    for name in ("400.html", "403.html", "404.html", "500.html"):
        text = (TEMPLATES / name).read_text()
        assert not INLINE_SCRIPT.search(text) and not INLINE_STYLE.search(text), name


# --- The security log ----------------------------------------------------------------------


def sign_in(client, email, password):
    return client.post(reverse("assessments:sign_in"), {"email": email, "password": password})


def test_signing_in_is_logged_with_the_user_and_never_the_password(client, councillor, caplog):
    with caplog.at_level("INFO", logger="security"):
        sign_in(client, councillor.email, PASSWORD)

    assert any(
        line.startswith(f"event=sign_in user={councillor.pk} ") for line in security_lines(caplog)
    )
    assert PASSWORD not in all_log_text(caplog)


def test_a_failed_sign_in_is_logged_without_the_password_or_the_typed_address(
    client, councillor, caplog
):
    typed_password = "my-actual-password-typed-in-wrong"

    with caplog.at_level("INFO", logger="security"):
        sign_in(client, councillor.email, typed_password)

    lines = security_lines(caplog)
    assert any(line.startswith("event=sign_in_failed ") for line in lines)
    assert any("email_hash=" in line for line in lines)
    security_text = "\n".join(lines)
    assert councillor.email not in security_text
    assert typed_password not in all_log_text(caplog)


def test_a_lock_out_is_logged(client, councillor, settings, caplog):
    with caplog.at_level("INFO", logger="security"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, councillor.email, "wrong password")

    assert any(line.startswith("event=locked_out ") for line in security_lines(caplog))
    assert "wrong password" not in all_log_text(caplog)


def test_signing_out_is_logged(client, councillor, caplog):
    client.force_login(councillor)

    with caplog.at_level("INFO", logger="security"):
        client.post(reverse("assessments:sign_out"))

    assert any(
        line.startswith(f"event=sign_out user={councillor.pk} ") for line in security_lines(caplog)
    )


def test_an_invitation_link_is_logged_by_name_not_by_its_secret_token(council, officer, caplog):
    from django.test import Client

    token = send_invitation(
        invitations.invitation_create(
            council=council, full_name="Dana Lee", email="dana@example.org", invited_by=officer
        )
    )
    new_password = "a brand new password for dana"

    with caplog.at_level("INFO", logger="security"):
        response = Client().post(
            reverse("assessments:accept_invitation", args=[token]),
            {"new_password1": new_password, "new_password2": new_password},
        )

    assert response.status_code == 302
    lines = security_lines(caplog)
    assert any(
        "event=sign_in" in line and "path=assessments:accept_invitation" in line for line in lines
    )
    assert token not in all_log_text(caplog)
    assert new_password not in all_log_text(caplog)


def test_the_log_helper_refuses_passwords_and_notes(rf):
    request = rf.get("/")

    for field in ("password", "note"):
        with pytest.raises(ValueError, match=field):
            log_security_event(request, "export", **{field: "secret"})


def test_a_value_cannot_forge_another_field_or_line(rf, caplog):
    with caplog.at_level("INFO", logger="security"):
        log_security_event(rf.get("/"), "export", kind="pdf user=1\nevent=sign_in")

    assert security_lines(caplog) == [
        "event=export user=- ip=127.0.0.1 path=/ kind=pdf_user=1_event=sign_in"
    ]
