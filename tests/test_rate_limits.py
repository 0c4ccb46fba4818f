"""Rate limits on the requests that send email: password resets and invitations."""

import logging

import pytest
from django.urls import reverse

from assessments.models import Invitation
from tests.builders import make_user

HERE = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


def _reset(client, email: str, address: str = HERE):
    return client.post(reverse("assessments:password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.fixture
def reset_limits(settings, db):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_EMAIL = "2/h"
    settings.RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = "3/h"


# --- Password reset ------------------------------------------------------------------------


def test_the_third_reset_for_one_email_is_refused_with_a_plain_page_saying_when(
    client, councillor, reset_limits
):
    assert _reset(client, councillor.email).status_code == 302
    assert _reset(client, councillor.email).status_code == 302

    response = _reset(client, councillor.email, address=ELSEWHERE)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many password reset requests" in html
    assert "You can ask again in" in html and "minute" in html
    assert "govuk-generic-header" in html  # the service's own layout


def test_the_email_limit_ignores_case_and_spaces(client, councillor, reset_limits):
    _reset(client, "alex.councillor@example.org")
    _reset(client, " Alex.Councillor@EXAMPLE.org ")
    assert _reset(client, "ALEX.councillor@example.org", address=ELSEWHERE).status_code == 429


def test_another_email_from_another_address_is_not_refused(client, councillor, reset_limits):
    for _ in range(3):
        _reset(client, councillor.email)
    assert _reset(client, "sam.councillor@example.org", address=ELSEWHERE).status_code == 302


def test_the_fourth_reset_from_one_address_is_refused_whatever_the_email(client, reset_limits):
    for number in range(3):
        assert _reset(client, f"person{number}@example.org").status_code == 302
    assert _reset(client, "person9@example.org").status_code == 429
    assert _reset(client, "person9@example.org", address=ELSEWHERE).status_code == 302


def test_behind_the_proxies_each_client_address_counts_as_sign_in_limits_count_it(
    client, settings, reset_limits
):
    # What settings.py builds from AXES_IPWARE_PROXY_COUNT=1 (one load balancer): the rule
    # django-axes reads X-Forwarded-For by (tests/test_sign_in_limits.py).
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.IPWARE_STRICT = False

    def reset_from(client_address: str, email: str):
        return client.post(
            reverse("assessments:password_reset"),
            {"email": email},
            REMOTE_ADDR="192.168.0.10",  # the load balancer, the same for everybody
            HTTP_X_FORWARDED_FOR=f"198.51.100.99, {client_address}",
        )

    for number in range(3):
        assert reset_from("203.0.113.1", f"person{number}@example.org").status_code == 302
    assert reset_from("203.0.113.1", "person9@example.org").status_code == 429
    assert reset_from("203.0.113.2", "person9@example.org").status_code == 302


def test_a_form_posted_without_an_email_counts_only_against_the_address(client, settings, db):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_EMAIL = "1/h"
    for _ in range(3):
        assert _reset(client, "").status_code == 200  # the form's own error


def test_showing_the_form_does_not_count(client, councillor, reset_limits):
    for _ in range(5):
        assert client.get(reverse("assessments:password_reset")).status_code == 200
    assert _reset(client, councillor.email).status_code == 302


def test_a_refused_request_is_written_to_the_security_log(client, councillor, reset_limits, caplog):
    for _ in range(2):
        _reset(client, councillor.email)
    with caplog.at_level(logging.INFO, logger="security"):
        _reset(client, councillor.email)
    events = [r.security_event for r in caplog.records if hasattr(r, "security_event")]
    assert {"event": "rate_limited", "limit": "password_reset:email"}.items() <= events[0].items()
    assert councillor.email not in caplog.text


def test_limits_are_shared_through_redis(client, councillor, reset_limits, shared_redis):
    for _ in range(2):
        assert _reset(client, councillor.email).status_code == 302
    assert _reset(client, councillor.email).status_code == 429


def test_with_redis_down_nobody_is_refused(client, councillor, reset_limits, redis_down):
    # Fail open, on purpose: the limits protect a mail quota, and a councillor locked out of
    # their password reset because the cache is down would be worse than a few extra emails.
    for _ in range(5):
        assert _reset(client, councillor.email).status_code == 302


# --- Invitations ---------------------------------------------------------------------------


@pytest.fixture
def invite_limits(settings):
    settings.RATE_LIMIT_INVITATIONS_PER_ACCOUNT = "2/h"
    settings.RATE_LIMIT_INVITATIONS_PER_ADDRESS = "3/h"


def _invite(client, number: int, address: str = HERE):
    return client.post(
        reverse("assessments:invite"),
        {"full_name": f"Person {number}", "email": f"person{number}@example.org"},
        REMOTE_ADDR=address,
    )


def _bulk(client, council, lines: list[str], address: str = HERE):
    return client.post(
        reverse("assessments:bulk_invite", args=[council.slug]),
        {"pasted": "\n".join(lines)},
        REMOTE_ADDR=address,
    )


def test_invitations_resends_and_lists_count_together_per_officer(
    client, officer, council, invite_limits
):
    client.force_login(officer)
    assert _invite(client, 1).status_code == 302
    invitation = Invitation.objects.get()
    resend = reverse("assessments:resend_invitation", args=[invitation.pk])
    assert client.post(resend, REMOTE_ADDR=ELSEWHERE).status_code == 302

    response = _bulk(client, council, ["Person 2, person2@example.org"], address="10.0.0.3")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many invitations sent" in html
    assert "You can send more in" in html
    assert not Invitation.objects.filter(user__email="person2@example.org").exists()


def test_another_officer_elsewhere_is_not_refused(client, officer, council, invite_limits):
    client.force_login(officer)
    for number in range(3):
        _invite(client, number)
    colleague = make_user(
        email="lee.officer@example.org",
        full_name="Lee Davies",
        council=council,
        role=officer.Role.OFFICER,
    )
    client.force_login(colleague)
    assert _invite(client, 10, address=ELSEWHERE).status_code == 302


def test_the_fourth_invitation_from_one_address_is_refused_whoever_sends_it(
    client, officer, council, invite_limits
):
    colleagues = [
        make_user(
            email=f"officer{n}@example.org",
            full_name=f"Officer {n}",
            council=council,
            role=officer.Role.OFFICER,
        )
        for n in range(2)
    ]
    client.force_login(officer)
    _invite(client, 1)
    _invite(client, 2)
    client.force_login(colleagues[0])
    assert _invite(client, 3).status_code == 302
    assert _invite(client, 4).status_code == 429
    client.force_login(colleagues[1])
    assert _invite(client, 4, address=ELSEWHERE).status_code == 302


def test_the_invite_page_itself_does_not_count(client, officer, invite_limits):
    client.force_login(officer)
    for _ in range(5):
        assert client.get(reverse("assessments:invite")).status_code == 200
    assert _invite(client, 1).status_code == 302


def test_a_list_of_500_is_one_request_and_goes_through(client, officer, council, settings):
    settings.RATE_LIMIT_INVITATIONS_PER_ACCOUNT = "1/h"
    client.force_login(officer)
    lines = [f"Person {n}, person{n}@example.org" for n in range(500)]

    response = _bulk(client, council, lines)

    assert response.status_code == 200
    assert Invitation.objects.count() == 500
    assert _bulk(client, council, ["Nia Jones, nia@example.org"]).status_code == 429


def test_with_redis_down_invitations_are_not_refused(client, officer, invite_limits, redis_down):
    client.force_login(officer)
    for number in range(5):
        assert _invite(client, number).status_code == 302
