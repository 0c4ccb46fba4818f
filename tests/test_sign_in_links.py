"""Email sign-in links for councillors (assessments.sign_in_links)."""

import datetime
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments import sign_in_links
from assessments.models import AccessEvent, Email, SignInLink, User
from tests.builders import make_user
from tests.email_helpers import make_sign_in_link, sign_in_link_token_in
from tests.email_helpers import run_due_tasks as run_tasks

HERE = "10.0.0.1"


def _ask(client, email: str, address: str = HERE):
    return client.post(reverse("assessments:sign_in_link"), {"email": email}, REMOTE_ADDR=address)


def _use(client, token: str):
    return client.post(reverse("assessments:sign_in_link_use", args=[token]))


def _events(caplog) -> list[dict]:
    return [r.security_event for r in caplog.records if hasattr(r, "security_event")]


# --- Asking for a link ---------------------------------------------------------------------


def test_the_sign_in_page_offers_a_link_by_email(client, db):
    response = client.get(reverse("assessments:sign_in"))
    assert reverse("assessments:sign_in_link") in response.content.decode()


def test_a_councillor_gets_a_link_that_signs_them_in(client, councillor):
    response = _ask(client, councillor.email)
    assert response.status_code == 302
    assert response.url == reverse("assessments:sign_in_link_sent")
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [councillor.email]
    token = sign_in_link_token_in(mail.outbox[0].body)

    # Opening the link (as a mail scanner would) does not use it: the button does.
    page = client.get(reverse("assessments:sign_in_link_use", args=[token]))
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session
    response = _use(client, token)
    assert response.status_code == 302
    assert response.url == reverse("assessments:dashboard")
    assert client.session["_auth_user_id"] == str(councillor.pk)


def test_the_page_says_the_same_whether_or_not_the_address_has_an_account(
    client, councillor, officer
):
    pages = [
        client.get(_ask(client, email).url).content
        for email in (councillor.email, "nobody@example.org", officer.email)
    ]
    assert pages[0] == pages[1] == pages[2]


@pytest.mark.parametrize("persona", ["officer", "admin_user"])
def test_staff_and_officers_are_refused_quietly_and_it_is_logged(client, persona, request, caplog):
    person = request.getfixturevalue(persona)
    with caplog.at_level(logging.INFO, logger="security"):
        response = _ask(client, person.email)
    assert response.url == reverse("assessments:sign_in_link_sent")
    run_tasks()
    assert mail.outbox == []
    assert not SignInLink.objects.exists()
    assert any(
        e["event"] == "sign_in_link_refused" and e["reason"] == "not_a_councillor"
        for e in _events(caplog)
    )
    assert person.email not in caplog.text


def test_a_councillor_with_staff_status_is_refused(client, council):
    admin = make_user(email="both@example.org", full_name="Bo Th", council=council, is_staff=True)
    assert admin.role == User.Role.COUNCILLOR
    _ask(client, admin.email)
    assert not SignInLink.objects.exists()


def test_an_inactive_account_gets_no_link(client, council):
    invited = make_user(
        email="invited@example.org", full_name="In Vited", council=council, is_active=False
    )
    _ask(client, invited.email)
    assert not SignInLink.objects.exists()


def test_a_link_that_was_sent_stops_working_once_the_account_is_an_officers(client, councillor):
    token = make_sign_in_link(councillor)
    User.objects.filter(pk=councillor.pk).update(role=User.Role.OFFICER)
    assert _use(client, token).status_code == 404
    assert "_auth_user_id" not in client.session


# --- The token -----------------------------------------------------------------------------


def test_only_the_tokens_hash_is_stored(councillor):
    token = make_sign_in_link(councillor)
    link = SignInLink.objects.get()
    assert link.token_hash == sign_in_links.hash_token(token)
    assert token not in link.token_hash
    assert not SignInLink.objects.filter(token_hash=token).exists()


def test_the_queued_email_holds_no_token_and_the_one_sent_is_the_only_one_that_works(
    client, councillor
):
    link = sign_in_links.sign_in_link_request(request=None, email=councillor.email)
    queued_hash = link.token_hash
    token = make_sign_in_link(councillor)
    SignInLink.objects.exclude(pk=link.pk).delete()  # the second request's link
    # The first request's email was never sent; its stored hash is of a token nobody knows.
    assert SignInLink.objects.get().token_hash == queued_hash
    assert _use(client, token).status_code == 404


def test_a_link_works_once_and_the_second_click_says_it_was_used(client, councillor):
    token = make_sign_in_link(councillor)
    assert _use(client, token).status_code == 302
    client.logout()
    response = _use(client, token)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_two_clicks_at_once_sign_in_once(client, councillor, monkeypatch):
    """Both requests read the link as unused; only the conditional update decides."""
    token = make_sign_in_link(councillor)
    stale = sign_in_links.check_sign_in_link(token)
    assert _use(client, token).status_code == 302
    client.logout()
    monkeypatch.setattr(sign_in_links, "check_sign_in_link", lambda token: stale)
    response = _use(client, token)
    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


def test_an_expired_link_says_so_and_offers_a_new_one(client, councillor):
    token = make_sign_in_link(councillor)
    SignInLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _use(client, token)
    assert response.status_code == 410
    body = response.content.decode()
    assert "has expired" in body
    assert reverse("assessments:sign_in_link") in body
    assert "_auth_user_id" not in client.session


def test_a_link_lasts_15_minutes(councillor):
    before = timezone.now()
    link = sign_in_links.sign_in_link_request(request=None, email=councillor.email)
    assert (
        datetime.timedelta(minutes=15)
        <= link.expires_at - before
        < datetime.timedelta(minutes=15, seconds=5)
    )


def test_a_link_expired_before_its_email_went_is_cancelled(councillor):
    link = sign_in_links.sign_in_link_request(request=None, email=councillor.email)
    SignInLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    run_tasks()
    assert mail.outbox == []
    assert Email.objects.get(sign_in_link=link).state == Email.State.CANCELLED


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("assessments:sign_in_link_use", args=["nope"])).status_code == 404
    assert _use(client, "nope").status_code == 404


# --- Logs and limits -----------------------------------------------------------------------


def test_signing_in_with_a_link_is_in_the_security_log_and_the_access_trail(
    client, councillor, caplog
):
    token = make_sign_in_link(councillor)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="security"):
        _use(client, token)
    signed_in = {"event": "sign_in", "user": councillor.pk, "path": "assessments:sign_in_link_use"}
    assert signed_in.items() <= _events(caplog)[0].items()
    assert token not in caplog.text
    event = AccessEvent.objects.get(action=AccessEvent.Action.SIGN_IN_LINK_USED)
    assert event.subject == councillor


@pytest.fixture
def link_limits(settings, db):
    settings.RATE_LIMIT_SIGN_IN_LINK_PER_EMAIL = "2/h"
    settings.RATE_LIMIT_SIGN_IN_LINK_PER_ADDRESS = "3/h"


def test_the_third_request_for_one_address_is_refused_with_a_plain_page(
    client, councillor, link_limits
):
    for _ in range(2):
        assert _ask(client, councillor.email).status_code == 302
    response = _ask(client, councillor.email.upper())
    assert response.status_code == 429
    assert "Too many sign-in link requests" in response.content.decode()
    assert SignInLink.objects.count() == 2


def test_the_fourth_request_from_one_client_is_refused_whatever_the_address(client, link_limits):
    for number in range(3):
        assert _ask(client, f"person{number}@example.org").status_code == 302
    assert _ask(client, "another@example.org").status_code == 429
    assert _ask(client, "another@example.org", address="10.0.0.2").status_code == 302


def test_a_form_error_is_shown_in_the_error_summary(client, db):
    response = _ask(client, "not an email")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_a_welsh_speaker_gets_the_email_in_welsh_with_a_welsh_link(councillor):
    User.objects.filter(pk=councillor.pk).update(language="cy")
    councillor.refresh_from_db()
    token = make_sign_in_link(councillor)
    message = mail.outbox[-1]
    assert "Eich dolen mewngofnodi" in message.subject
    assert f"/cy/sign-in/email-link/{token}/" in message.body
    assert "Dear" not in message.body


def test_opening_a_used_link_says_it_was_used_rather_than_offering_the_button(client, councillor):
    token = make_sign_in_link(councillor)
    _use(client, token)
    client.logout()
    response = client.get(reverse("assessments:sign_in_link_use", args=[token]))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_the_links_token_is_redacted_from_logged_paths():
    from innovation_checklist.logs import redact

    assert redact("GET /cy/sign-in/email-link/abc-D_9/") == "GET /cy/sign-in/email-link/[redacted]/"
    assert redact("GET /sign-in/email-link/sent/") == "GET /sign-in/email-link/sent/"
