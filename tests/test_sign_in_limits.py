"""
Sign-in limits behind the documented proxy, and per account (issue #10, item 1), and accounts
an admin deactivated staying so (item 3).

The proxy tests serve through Django's live server, a real HTTP server on a loopback port, with
the settings that the settings module builds from `AXES_IPWARE_PROXY_COUNT=1`: the test plays
the one proxy, which tells the app each client's address in `X-Forwarded-For`.
"""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.db.models import F, Sum
from django.test import Client
from django.urls import reverse

from assessments import invitations
from assessments.models import Email, Invitation, User
from tests.builders import PASSWORD
from tests.email_helpers import run_due_tasks, send_invitation

CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
PROXY_SETTINGS = ("AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT")


def _build_settings(**environ) -> subprocess.CompletedProcess:
    """Print the proxy settings as the settings module builds them from `environ`, in a fresh
    process."""
    env = {k: v for k, v in os.environ.items() if k not in environ}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="innovation_checklist.settings", **environ)
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {PROXY_SETTINGS!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def _settings_built_from(**environ) -> dict:
    result = _build_settings(**environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def behind_one_proxy(settings):
    """The app configured as the README says for one proxy in front, with plain-HTTP cookies
    (the live server speaks HTTP, and a Secure cookie would never be sent back)."""
    for name, value in _settings_built_from(AXES_IPWARE_PROXY_COUNT="1").items():
        setattr(settings, name, value)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "csrftoken"
    return settings


def _sign_in_through(server_url: str, *, client_ip: str, email: str, password: str):
    """One browser's sign-in through the proxy: fetch the form, then post it."""
    url = server_url + reverse("assessments:sign_in")
    browser = requests.Session()
    # What the proxy adds: the client's address, and that the client spoke HTTPS to it (so the
    # CSRF check wants an HTTPS Referer from this site, as a browser sends one).
    browser.headers.update(
        {
            "X-Forwarded-For": client_ip,
            "X-Forwarded-Proto": "https",
            "Referer": url.replace("http://", "https://"),
        }
    )
    browser.get(url, timeout=30).raise_for_status()
    return browser.post(
        url,
        data={
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )


def test_the_proxy_count_reads_the_client_from_the_last_entry_the_proxy_added():
    values = _settings_built_from(AXES_IPWARE_PROXY_COUNT="1")
    # django-ipware counts the proxies listed in the header; the nearest one is REMOTE_ADDR.
    assert values == {
        "AXES_IPWARE_PROXY_COUNT": 0,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "IPWARE_STRICT": False,
    }
    assert _settings_built_from(AXES_IPWARE_PROXY_COUNT="2")["AXES_IPWARE_PROXY_COUNT"] == 1


def test_a_proxy_count_of_nought_is_refused_rather_than_read_as_one_proxy():
    result = _build_settings(AXES_IPWARE_PROXY_COUNT="0")
    assert result.returncode != 0
    assert "AXES_IPWARE_PROXY_COUNT is the number of proxies: 1 or more" in result.stderr


def test_one_clients_failures_behind_the_proxy_never_lock_out_another_client(
    transactional_db, behind_one_proxy, live_server, councillor, second_councillor
):
    for _ in range(behind_one_proxy.AXES_FAILURE_LIMIT):
        response = _sign_in_through(
            live_server.url, client_ip=CLIENT_A, email=councillor.email, password="wrong guess"
        )
    assert response.status_code == 429
    # Client A itself is locked out, even for another account with the right password.
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_A, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 429
    # Client B, through the same proxy, signs in.
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_B, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("assessments:dashboard")


def test_addresses_a_client_puts_in_front_of_the_proxys_entry_are_ignored(
    transactional_db, behind_one_proxy, live_server, councillor, second_councillor
):
    # The proxy appends the address it was connected from; whatever came before is the client's.
    for n in range(behind_one_proxy.AXES_FAILURE_LIMIT):
        _sign_in_through(
            live_server.url,
            client_ip=f"192.0.2.{n}, {CLIENT_A}",
            email=councillor.email,
            password="wrong guess",
        )
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_A, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 429


def test_django_takes_the_proxys_word_that_the_request_came_over_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    url = reverse("assessments:start")
    assert client.get(url).status_code == 301
    assert client.get(url, headers={"X-Forwarded-Proto": "https"}).status_code == 200


# --- Per account ----------------------------------------------------------------------------

ACCOUNT_PAUSED = "too many unsuccessful attempts to sign in to this account"


def _sign_in(email: str, password: str, address: str):
    """A sign-in from its own browser at `address` (no proxy in front)."""
    return Client().post(
        reverse("assessments:sign_in"),
        {"email": email, "password": password},
        REMOTE_ADDR=address,
    )


def _guess_from_many_addresses(email: str, guesses: int, first: int = 1) -> None:
    for n in range(first, first + guesses):
        _sign_in(email, "a wrong guess", f"192.0.2.{n}")


def _time_passes(delta: timedelta) -> None:
    """As if `delta` went by: every recorded failure moves that far into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def _counted_failures(email: str) -> int:
    return AccessAttempt.objects.filter(username=email).aggregate(n=Sum("failures_since_start"))[
        "n"
    ]


def test_many_addresses_guessing_one_account_are_refused(settings, councillor):
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT)
    # A new address is refused for this account, even with the right password...
    response = _sign_in(councillor.email, PASSWORD, "198.51.100.1")
    assert response.status_code == 429
    assert ACCOUNT_PAUSED in response.text
    assert "reset your password" in response.text
    # ...and in any case the email's own case does not make it another account.
    assert _sign_in(councillor.email.upper(), "a wrong guess", "198.51.100.2").status_code == 429
    # Refused guesses are not counted, so they cannot stretch the pause.
    assert _counted_failures(councillor.email) == settings.AXES_FAILURE_LIMIT


def test_a_paused_account_does_not_pause_other_accounts(settings, councillor, second_councillor):
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT)
    assert _sign_in(second_councillor.email, PASSWORD, "198.51.100.1").status_code == 302


def test_the_real_person_is_never_locked_out_longer_than_the_stated_time(settings, councillor):
    cool_off = settings.AXES_COOLOFF_TIME
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT)
    response = _sign_in(councillor.email, PASSWORD, "198.51.100.1")
    assert response.status_code == 429
    assert f"up to {int(cool_off.total_seconds() // 60)} minutes" in response.text
    # The guessing carries on through the pause, from the same addresses and new ones...
    _time_passes(cool_off - timedelta(minutes=1))
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT * 2)
    # ...yet once the stated time has gone by since the pause began, the person signs in.
    _time_passes(timedelta(minutes=1, seconds=1))
    assert _sign_in(councillor.email, PASSWORD, "198.51.100.1").status_code == 302


def test_a_successful_sign_in_forgets_the_accounts_failures_from_other_addresses(
    settings, councillor
):
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(councillor.email, PASSWORD, "198.51.100.1").status_code == 302
    assert not AccessAttempt.objects.filter(username=councillor.email).exists()
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT - 1, first=100)
    assert _sign_in(councillor.email, PASSWORD, "198.51.100.1").status_code == 302


def test_a_password_reset_ends_the_pause_on_the_account_at_once(settings, councillor):
    _guess_from_many_addresses(councillor.email, settings.AXES_FAILURE_LIMIT)
    assert _sign_in(councillor.email, PASSWORD, "198.51.100.1").status_code == 429
    browser = Client(REMOTE_ADDR="198.51.100.1")
    browser.post(reverse("assessments:password_reset"), {"email": councillor.email})
    run_due_tasks()
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    form_url = browser.get(link, follow=True).redirect_chain[-1][0]
    new_password = "a brand new passphrase for sure"
    response = browser.post(
        form_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.url == reverse("assessments:password_reset_complete")
    assert _sign_in(councillor.email, new_password, "198.51.100.1").status_code == 302


def test_admin_login_failures_count_against_each_account_not_one_nameless_one(settings, admin_user):
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("admin:login"),
            {"username": f"guess{n}@example.org", "password": "a wrong guess"},
            REMOTE_ADDR=f"192.0.2.{n}",
        )
    response = Client().post(
        reverse("admin:login"),
        {"username": admin_user.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username="guess0@example.org").exists()


# --- A deactivated account stays deactivated (item 3) ---------------------------------------


@pytest.fixture
def deactivated(council, officer) -> Invitation:
    """Nia accepted her invitation, then an admin deactivated her account; her accepted
    invitation is returned. An earlier one, revoked when it was resent, is still listed."""
    invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    earlier = Invitation.objects.get(user__email="nia@example.org")
    accepted = invitations.invitation_resend(invitation=earlier, invited_by=officer)
    user = invitations.invitation_accept(token=send_invitation(accepted), password=PASSWORD)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return accepted


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("which", ["accepted", "earlier"])
def test_an_officer_cannot_reactivate_a_deactivated_account_by_resending_an_invitation(
    client, officer, deactivated, which
):
    invitation = deactivated
    if which == "earlier":
        invitation = Invitation.objects.filter(user=deactivated.user).earliest("created_at")
    before = Invitation.objects.count()
    client.force_login(officer)
    response = client.post(reverse("assessments:resend_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    assert _messages(response) == [
        "nia@example.org has already accepted an invitation, so a new one cannot be sent. "
        "Their account has been deactivated: only the service administrators can reactivate it."
    ]
    assert Invitation.objects.count() == before
    assert not Invitation.objects.filter(
        user=deactivated.user, accepted_at__isnull=True, revoked_at__isnull=True
    ).exists()
    assert Email.objects.count() == before  # one per invitation: none queued for a new one
    assert not User.objects.get(pk=deactivated.user_id).is_active


def test_the_admins_resend_action_cannot_reactivate_a_deactivated_account(
    admin_client, deactivated
):
    before = Invitation.objects.count()
    response = admin_client.post(
        reverse("admin:assessments_invitation_changelist"),
        {
            "action": "resend",
            "_selected_action": list(
                Invitation.objects.filter(user=deactivated.user).values_list("pk", flat=True)
            ),
        },
    )
    assert response.status_code == 302
    assert "has already accepted an invitation" in " ".join(_messages(response))
    assert Invitation.objects.count() == before
    assert Email.objects.count() == before  # one per invitation: none queued for a new one


def test_neither_the_dashboard_nor_the_invite_page_offers_a_deactivated_account_a_new_link(
    client, officer, council, deactivated
):
    never_accepted = invitations.invitation_create(
        council=council, full_name="Ivy Invited", email="ivy@example.org", invited_by=officer
    )
    client.force_login(officer)
    for url in (
        reverse("assessments:council_dashboard", args=[council.slug]),
        reverse("assessments:invite"),
    ):
        page = client.get(url).text
        assert reverse("assessments:resend_invitation", args=[never_accepted.pk]) in page
        for invitation in Invitation.objects.filter(user=deactivated.user):
            assert reverse("assessments:resend_invitation", args=[invitation.pk]) not in page
