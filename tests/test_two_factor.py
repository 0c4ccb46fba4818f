"""Two-factor for officers and admins (assessments/two_factor.py): set-up, the code step of
signing in, recovery codes, throttling, the council's requirement, Django admin and resets."""

import logging

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import two_factor
from assessments.models import AccessEvent
from tests.builders import PASSWORD, make_user

SIGN_IN = reverse("assessments:sign_in")
SETUP = reverse("assessments:two_factor_setup")
VERIFY = reverse("assessments:two_factor_verify")


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or a step on, for a second code in one step)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "security"]


def set_up_authenticator(user) -> tuple[TOTPDevice, list[str]]:
    """The person's confirmed authenticator and recovery codes, as the set-up page leaves them."""
    client = Client()
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    client.post(SETUP, {"code": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = client.get(reverse("assessments:two_factor_recovery_codes")).context["codes"]
    return device, codes


def password_step(client, user):
    return client.post(SIGN_IN, {"email": user.email, "password": PASSWORD})


@pytest.fixture
def staff(db):
    """An admin who has not set up two-factor yet."""
    return make_user(email="new.admin@example.org", full_name="Dee Admin", is_staff=True)


# --- Django admin --------------------------------------------------------------------------


def test_an_admin_without_two_factor_cannot_reach_admin_and_is_sent_to_set_it_up(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert response.status_code == 200
    assert "Django admin needs two-factor. Set it up here, then you will go on." in (
        response.content.decode()
    )


def test_an_admin_who_gave_only_a_password_is_asked_for_a_code_before_admin(client, staff):
    device, _codes = set_up_authenticator(staff)
    # Django admin's own login form checks the password, then sends them for the code.
    response = client.post(
        f"{reverse('admin:login')}?next={reverse('admin:index')}",
        {"username": staff.email, "password": PASSWORD},
    )
    assert response.url.startswith(VERIFY)
    assert client.get(reverse("assessments:dashboard")).url.startswith(SIGN_IN)
    response = client.post(response.url, {"code": code_for(device, steps_ahead=1)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200


def test_replacing_an_authenticator_first_takes_a_code_from_the_old_one(client, staff):
    set_up_authenticator(staff)
    # A session signed in before the authenticator was set up (elsewhere) has given no code.
    client.force_login(staff)
    response = client.get(SETUP)
    assert response.url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


# --- Signing in with a code ----------------------------------------------------------------


def test_someone_with_an_authenticator_is_signed_in_only_after_a_good_code(client, officer, caplog):
    device, _codes = set_up_authenticator(officer)
    response = password_step(client, officer)
    assert response.url.startswith(VERIFY)
    assert client.get(reverse("assessments:dashboard")).url.startswith(SIGN_IN)

    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(response.url, {"code": code_for(device, steps_ahead=1)})
    assert response.url == reverse("assessments:dashboard")
    assert client.get(reverse("assessments:dashboard")).status_code == 200
    assert any("event=sign_in " in line for line in security_lines(caplog))


def test_the_code_step_ends_ten_minutes_after_the_password(client, officer):
    device, _codes = set_up_authenticator(officer)
    password_step(client, officer)
    session = client.session
    session[two_factor.PENDING_SINCE_SESSION_KEY] -= two_factor.PENDING_SECONDS + 1
    session.save()
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert response.url.startswith(SIGN_IN)


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(client, officer, caplog):
    device, _codes = set_up_authenticator(officer)
    password_step(client, officer)
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()
    assert any("event=two_factor_code_refused" in line for line in security_lines(caplog))
    # Right away, even the right code is refused: django-otp's throttling.
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert "Wait a minute" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_the_same_code_twice_signs_in_once_and_is_never_an_error(client, officer):
    device, _codes = set_up_authenticator(officer)
    code = code_for(device, steps_ahead=1)
    password_step(client, officer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    # A double click: the second submit finds nobody owing a code.
    assert client.post(VERIFY, {"code": code}).status_code == 302

    other = Client()
    password_step(other, officer)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_a_recovery_code_works_once(client, officer, caplog):
    _device, codes = set_up_authenticator(officer)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    password_step(client, officer)
    with caplog.at_level(logging.INFO, logger="security"):
        assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert any("event=two_factor_recovery_code_used" in line for line in security_lines(caplog))

    again = Client()
    password_step(again, officer)
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_recovery_codes_are_kept_hashed_and_shown_only_once(client, officer):
    _device, codes = set_up_authenticator(officer)
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == len(codes)
    assert not stored & set(codes)
    client.force_login(officer)
    page = client.get(reverse("assessments:two_factor_recovery_codes")).content.decode()
    assert codes[1] not in page


def test_making_new_recovery_codes_stops_the_old_ones(client, officer, settings):
    # No wait after the old code's refusal, so the new one can be tried at once.
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    _device, codes = set_up_authenticator(officer)
    client.force_login(officer)
    client.post(reverse("assessments:two_factor_recovery_codes"))
    new_codes = client.get(reverse("assessments:two_factor_recovery_codes")).context["codes"]
    assert new_codes and not set(new_codes) & set(codes)

    again = Client()
    password_step(again, officer)
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert again.post(VERIFY, {"code": new_codes[0]}).status_code == 302


def test_the_code_step_keeps_a_safe_next_page_only(client, officer):
    device, _codes = set_up_authenticator(officer)
    password_step(client, officer)
    response = client.post(
        f"{VERIFY}?next=https://evil.example/", {"code": code_for(device, steps_ahead=1)}
    )
    assert response.url == reverse("assessments:dashboard")


# --- Setting up ----------------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_secret_and_a_wrong_code_confirms_nothing(client, officer):
    client.force_login(officer)
    page = client.get(SETUP).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=officer)
    secret = two_factor.setup_page(device).secret
    assert secret in page
    response = client.post(SETUP, {"code": "123456" if code_for(device) != "123456" else "654321"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=officer).exists()


def test_a_double_submitted_set_up_code_goes_on_to_the_recovery_codes(client, officer):
    client.force_login(officer)
    client.get(SETUP)
    code = code_for(TOTPDevice.objects.get(user=officer))
    first = client.post(SETUP, {"code": code})
    second = client.post(SETUP, {"code": code})
    assert first.url.startswith(reverse("assessments:two_factor_recovery_codes"))
    assert second.url == reverse("assessments:two_factor_recovery_codes")
    page = client.get(second.url)
    assert len(page.context["codes"]) == two_factor.RECOVERY_CODE_COUNT
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_councillors_are_never_offered_two_factor(signed_in):
    assert signed_in.get(SETUP).status_code == 403


# --- The council's requirement -------------------------------------------------------------


def test_an_officer_of_a_council_that_requires_it_is_kept_on_set_up_until_done(
    client, council, officer
):
    council.require_two_factor_for_officers = True
    council.save()
    response = password_step(client, officer)
    assert client.get(response.url).url == SETUP
    assert client.get(reverse("assessments:council_dashboard", args=[council.slug])).url == SETUP
    client.get(SETUP)
    client.post(SETUP, {"code": code_for(TOTPDevice.objects.get(user=officer))})
    page = client.get(reverse("assessments:council_dashboard", args=[council.slug]))
    assert page.status_code == 200


def test_without_the_councils_requirement_an_officer_signs_in_as_before(client, council, officer):
    response = password_step(client, officer)
    assert client.get(response.url).status_code == 200


def test_a_council_sign_in_verified_by_its_provider_is_not_sent_to_set_up(
    client, council, officer, rf
):
    council.require_two_factor_for_officers = True
    council.save()
    password_step(client, officer)
    session = client.session
    request = rf.get("/")
    request.session = session
    two_factor.mark_verified_by_provider(request)
    session.save()
    assert client.get(reverse("assessments:dashboard")).status_code == 200


# --- Resetting -----------------------------------------------------------------------------


def test_an_admin_resets_someones_two_factor_and_it_is_logged(client, admin_user, officer, caplog):
    set_up_authenticator(officer)
    client.force_login(admin_user)
    with caplog.at_level(logging.INFO, logger="security"):
        client.post(
            reverse("admin:assessments_user_changelist"),
            {"action": "reset_two_factor", ACTION_CHECKBOX_NAME: [officer.pk]},
        )
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert any(
        f"event=two_factor_reset user={admin_user.pk}" in line and f"account={officer.pk}" in line
        for line in security_lines(caplog)
    )
    (event,) = AccessEvent.objects.filter(action=AccessEvent.Action.TWO_FACTOR_RESET)
    assert (event.actor, event.subject) == (admin_user, officer)
    # They sign in with their password alone until they set it up again.
    assert password_step(Client(), officer).url == reverse("assessments:dashboard")
