"""
Signing in with a council account (assessments.sso, views.sso), against a real OpenID Provider
run on a loopback port (tests/oidc_helpers.py).
"""

import base64
import datetime
import hashlib
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from joserfc.jwk import RSAKey

from assessments import sso
from assessments.models import AccessEvent, Invitation, SignInIdentity, User
from tests.builders import PASSWORD, make_user, with_authenticator
from tests.oidc_helpers import (
    EXPIRED_TOKENS,
    council_sign_in,
    path_and_query,
    running_provider,
)

START_URL = reverse("assessments:sso_start")
CALLBACK_URL = reverse("assessments:sso_callback")


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _council_secrets(settings):
    settings.SITE_URL = "http://testserver"
    settings.OIDC_CLIENT_SECRETS = {"northshire": "test-secret", "southvale": "test-secret"}


@pytest.fixture
def sign_in(council, provider):
    return council_sign_in(council, provider.issuer)


def start(client, email: str) -> str:
    response = client.post(START_URL, {"email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def sign_in_as(client, provider, email: str, sub: str, **claims):
    """The whole flow: email, the provider's page, back to the callback."""
    provider.set_user(sub, email=email, email_verified=True, **claims)
    callback = provider.approve(start(client, email), sub)
    return client.get(path_and_query(callback))


def signed_in_user(client):
    return client.session.get(SESSION_KEY)


# --- Success -------------------------------------------------------------------------------


def test_an_officer_signs_in_with_their_council_account(client, provider, sign_in, officer):
    response = sign_in_as(client, provider, officer.email, "officer-sub-1")

    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:dashboard")
    assert signed_in_user(client) == str(officer.pk)
    assert client.session[sso.SESSION_SIGNED_IN_WITH_KEY] == sso.SIGNED_IN_WITH_COUNCIL
    identity = SignInIdentity.objects.get(user=officer)
    assert (identity.issuer, identity.subject) == (provider.issuer, "officer-sub-1")
    # The link is in the access trail, once; a later sign-in links nothing new.
    (linked,) = AccessEvent.objects.filter(action=AccessEvent.Action.SSO_LINKED)
    assert (linked.subject, linked.details) == (officer, {"issuer": provider.issuer})
    client.logout()
    sign_in_as(client, provider, officer.email, "officer-sub-1")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.SSO_LINKED).count() == 1


def test_a_council_sign_in_is_not_asked_for_the_services_code_as_well(
    client, provider, sign_in, council, officer
):
    # The council requires two-factor of its officers, and this officer has an authenticator:
    # after a password they would be asked for a code; after the council's own sign-in, not.
    council.require_two_factor_for_officers = True
    council.save(update_fields=["require_two_factor_for_officers"])
    with_authenticator(officer)

    response = sign_in_as(client, provider, officer.email, "officer-sub-2fa")

    assert response["Location"] == reverse("assessments:dashboard")
    dashboard = client.get(reverse("assessments:council_dashboard", args=[council.slug]))
    assert dashboard.status_code == 200
    # Even replacing the authenticator, which asks a password-signed-in officer for a code
    # from the old one first, takes no code: the council's provider has verified them.
    assert client.get(reverse("assessments:two_factor_setup")).status_code == 200
    assert signed_in_user(client) == str(officer.pk)


def test_later_sign_ins_match_the_subject_not_the_email(client, provider, sign_in, councillor):
    sign_in_as(client, provider, councillor.email, "councillor-sub-1")
    client.logout()

    # The council renamed the mailbox; the subject id is the same person.
    response = sign_in_as(client, provider, "alex.morgan@example.org", "councillor-sub-1")

    assert response.status_code == 302
    assert signed_in_user(client) == str(councillor.pk)


def test_an_invited_person_accepts_their_invitation_by_signing_in(
    client, provider, sign_in, council
):
    invited = make_user(email="new.councillor@example.org", full_name="Nia Jones", council=council)
    invited.is_active = False
    invited.set_unusable_password()
    invited.save()
    invitation = Invitation.objects.create(
        user=invited, token_hash="x" * 64, expires_at=timezone.now() + datetime.timedelta(days=7)
    )

    response = sign_in_as(client, provider, invited.email, "invited-sub")

    assert response.status_code == 302
    invited.refresh_from_db()
    invitation.refresh_from_db()
    assert invited.is_active
    assert invitation.accepted_at is not None
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.INVITATION_ACCEPTED, subject=invited
    ).exists()


def test_entra_ids_xms_edov_claim_counts_as_a_verified_email(client, provider, sign_in, officer):
    provider.set_user("entra-sub", email=officer.email, xms_edov=True)
    callback = provider.approve(start(client, officer.email), "entra-sub")

    assert client.get(path_and_query(callback)).status_code == 302
    assert signed_in_user(client) == str(officer.pk)


def test_the_sign_in_and_its_council_are_in_the_security_log(
    client, provider, sign_in, officer, caplog
):
    with caplog.at_level(logging.INFO, logger="security"):
        sign_in_as(client, provider, officer.email, "logged-sub")

    events = [r.security_event for r in caplog.records if hasattr(r, "security_event")]
    sso_events = [e for e in events if e["event"] == "sso_sign_in"]
    assert sso_events == [
        {**sso_events[0], "user": officer.pk, "council": "northshire", "linked_now": True}
    ]
    assert "sign_in" in [e["event"] for e in events]


# --- The protocol's checks -----------------------------------------------------------------


def test_the_request_carries_state_nonce_and_an_s256_pkce_challenge(client, sign_in, officer):
    query = parse_qs(urlsplit(start(client, officer.email)).query)

    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0]
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://testserver" + CALLBACK_URL]


def test_a_replayed_callback_is_refused(client, provider, sign_in, officer, caplog):
    provider.set_user("replay-sub", email=officer.email, email_verified=True)
    callback = path_and_query(provider.approve(start(client, officer.email), "replay-sub"))
    assert client.get(callback).status_code == 302
    client.logout()

    with caplog.at_level(logging.INFO, logger="security"):
        response = client.get(callback)

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert "sso_sign_in_refused" in caplog.text


def test_a_callback_in_another_browser_is_refused(client, provider, sign_in, officer):
    provider.set_user("other-browser-sub", email=officer.email, email_verified=True)
    callback = path_and_query(provider.approve(start(client, officer.email), "other-browser-sub"))
    client.cookies.clear()

    assert client.get(callback).status_code == 403


def test_a_changed_state_is_refused(client, provider, sign_in, officer):
    provider.set_user("state-sub", email=officer.email, email_verified=True)
    callback = path_and_query(provider.approve(start(client, officer.email), "state-sub"))

    assert client.get(callback.replace("state=", "state=x")).status_code == 403
    assert SESSION_KEY not in client.session


def test_a_token_with_another_nonce_is_refused(client, provider, sign_in, officer):
    provider.set_user("nonce-sub", email=officer.email, email_verified=True)
    callback = path_and_query(provider.approve(start(client, officer.email), "nonce-sub"))
    session = client.session
    key = next(k for k in session.keys() if k.startswith("_state_"))  # noqa: SIM118 (not iterable)
    state = session[key]
    state["data"]["nonce"] = "another-nonce"
    session[key] = state
    session.save()

    assert client.get(callback).status_code == 403
    assert SESSION_KEY not in client.session


def test_the_pkce_challenge_is_the_s256_of_the_verifier_kept_for_the_token_request(
    client, sign_in, officer
):
    # The provider checks the verifier against the challenge (oidc-provider-mock does not, so
    # this checks what we send: Entra ID and other providers refuse a mismatch).
    query = parse_qs(urlsplit(start(client, officer.email)).query)
    state = client.session[f"_state_northshire_{query['state'][0]}"]
    verifier = state["data"]["code_verifier"]

    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]


def test_an_expired_id_token_is_refused(client, council, officer):
    with running_provider(**EXPIRED_TOKENS) as expired:
        council_sign_in(council, expired.issuer)
        response = sign_in_as(client, expired, officer.email, "expired-sub")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_token_from_another_issuer_or_tenant_is_refused(client, provider, council, officer):
    # The council trusts its own tenant; the token comes signed by a provider whose `iss` differs.
    tenant = "https://login.microsoftonline.com/council-tenant/v2.0"
    council_sign_in(council, tenant)
    metadata = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
    metadata["jwks"] = requests.get(metadata["jwks_uri"], timeout=5).json()
    cache.set(f"oidc-discovery:{tenant}", {**metadata, "issuer": tenant})

    response = sign_in_as(client, provider, officer.email, "tenant-sub")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_token_with_a_bad_signature_is_refused(client, provider, sign_in, officer):
    metadata = sso.discover(sign_in)
    kid = metadata["jwks"]["keys"][0]["kid"]
    impostor = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    cache.set(
        f"oidc-discovery:{provider.issuer}",
        {**metadata, "jwks": {"keys": [impostor.as_dict(private=False)]}},
    )

    response = sign_in_as(client, provider, officer.email, "signature-sub")

    assert response.status_code == 403


def test_a_discovery_document_for_another_issuer_is_refused(client, sign_in, officer, monkeypatch):
    real_get = requests.get

    def look_alike(url, **kwargs):
        response = real_get(url, **kwargs)
        if url.endswith("/.well-known/openid-configuration"):
            document = {**response.json(), "issuer": "https://attacker.example"}
            response.json = lambda: document
        return response

    monkeypatch.setattr(sso.requests, "get", look_alike)

    response = client.post(START_URL, {"email": officer.email})

    assert response.status_code == 403


# --- Who may sign in -----------------------------------------------------------------------


def test_no_account_is_made_for_a_person_without_one(client, provider, sign_in):
    response = sign_in_as(client, provider, "stranger@example.org", "stranger-sub")

    assert response.status_code == 403
    assert "no account for you" in response.content.decode()
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert not SignInIdentity.objects.exists()


def test_an_unverified_email_is_not_matched(client, provider, sign_in, officer):
    provider.set_user("unverified-sub", email=officer.email, email_verified=False)
    callback = provider.approve(start(client, officer.email), "unverified-sub")

    assert client.get(path_and_query(callback)).status_code == 403
    assert not SignInIdentity.objects.exists()


def test_an_email_outside_the_councils_domains_is_refused(client, provider, sign_in, officer):
    provider.set_user("domain-sub", email="jo.officer@elsewhere.example", email_verified=True)
    officer.email = "jo.officer@elsewhere.example"
    officer.save()
    callback = provider.approve(start(client, "someone@example.org"), "domain-sub")

    assert client.get(path_and_query(callback)).status_code == 403
    assert SESSION_KEY not in client.session


def test_an_account_in_another_council_is_refused(client, provider, sign_in, other_councillor):
    response = sign_in_as(client, provider, other_councillor.email, "other-council-sub")

    assert response.status_code == 403
    assert not SignInIdentity.objects.exists()


def test_a_deactivated_account_is_refused(client, provider, sign_in, officer):
    officer.is_active = False
    officer.save()

    response = sign_in_as(client, provider, officer.email, "deactivated-sub")

    assert response.status_code == 403
    assert "switched off" in response.content.decode()


def test_a_deactivated_account_is_refused_after_linking(client, provider, sign_in, officer):
    sign_in_as(client, provider, officer.email, "linked-then-off")
    client.logout()
    User.objects.filter(pk=officer.pk).update(is_active=False)

    assert sign_in_as(client, provider, officer.email, "linked-then-off").status_code == 403


def test_an_account_linked_to_another_subject_is_refused(
    client, provider, sign_in, officer, caplog
):
    SignInIdentity.objects.create(user=officer, issuer=provider.issuer, subject="first-sub")

    with caplog.at_level(logging.INFO, logger="security"):
        response = sign_in_as(client, provider, officer.email, "second-sub")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert "reason=account_linked_to_another_subject" in caplog.text


def test_a_subject_linked_at_the_same_moment_by_another_request_is_refused_not_an_error(
    client, provider, sign_in, officer, second_councillor, monkeypatch
):
    real_check = sso._email_verified

    def linked_meanwhile(claims):
        # Another request links this subject between our look-up and our insert.
        SignInIdentity.objects.create(
            user=second_councillor, issuer=provider.issuer, subject=claims["sub"]
        )
        return real_check(claims)

    monkeypatch.setattr(sso, "_email_verified", linked_meanwhile)

    response = sign_in_as(client, provider, officer.email, "race-sub")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_council_with_sign_in_switched_off_is_not_offered(client, sign_in, officer):
    sign_in.enabled = False
    sign_in.save()

    response = client.post(START_URL, {"email": officer.email})

    assert response.status_code == 200
    assert "does not offer sign-in with a council account" in response.content.decode()


def test_an_email_without_council_sign_in_gets_a_plain_message(client, sign_in):
    response = client.post(START_URL, {"email": "someone@elsewhere.example"})

    assert response.status_code == 200
    assert "does not offer sign-in with a council account" in response.content.decode()


# --- The provider down ---------------------------------------------------------------------


def test_a_provider_that_is_down_gets_a_plain_message_and_passwords_still_work(
    client, council, officer
):
    with running_provider() as gone:
        issuer = gone.issuer
    council_sign_in(council, issuer)

    response = client.post(START_URL, {"email": officer.email})

    assert response.status_code == 503
    assert "sign-in is not working at the moment" in response.content.decode()
    response = client.post(
        reverse("assessments:sign_in"), {"email": officer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user(client) == str(officer.pk)


def test_a_welsh_speaker_comes_back_to_the_welsh_callback_and_dashboard(
    client, provider, sign_in, officer
):
    provider.set_user("welsh-sub", email=officer.email, email_verified=True)
    with translation.override("cy"):
        start_url, callback_url, dashboard = (
            reverse("assessments:sso_start"),
            reverse("assessments:sso_callback"),
            reverse("assessments:dashboard"),
        )
    response = client.post(start_url, {"email": officer.email})
    callback = provider.approve(response["Location"], "welsh-sub")

    assert urlsplit(callback).path == callback_url
    assert client.get(path_and_query(callback))["Location"] == dashboard


def test_the_discovery_document_is_cached(sign_in, monkeypatch):
    sso.discover(sign_in)
    monkeypatch.setattr(sso.requests, "get", pytest.fail)

    assert sso.discover(sign_in)["issuer"] == sign_in.issuer


def test_the_email_page_may_send_its_form_to_the_councils_providers_only(client, sign_in):
    policy = client.get(START_URL)["Content-Security-Policy"]

    assert f"form-action 'self' {sign_in.issuer};" in policy + ";"
    assert (
        "form-action 'self';"
        in client.get(reverse("assessments:sign_in"))["Content-Security-Policy"] + ";"
    )


# --- Admin ---------------------------------------------------------------------------------


def test_an_admin_sets_up_a_councils_sign_in(admin_client, council):
    response = admin_client.post(
        reverse("admin:assessments_councilsignin_add"),
        {
            "council": council.pk,
            "enabled": "on",
            "issuer": "https://login.microsoftonline.com/tenant-id/v2.0",
            "client_id": "application-id",
            "allowed_email_domains": "Northshire.gov.uk, @cyngor.northshire.gov.uk",
        },
    )

    assert response.status_code == 302
    assert council.sign_in.email_domains == ["northshire.gov.uk", "cyngor.northshire.gov.uk"]
    (event,) = AccessEvent.objects.filter(action=AccessEvent.Action.COUNCIL_SETTINGS_CHANGED)
    assert (event.council, event.actor) == (council, response.wsgi_request.user)
    assert event.details["sign_in_enabled"] == {"old": None, "new": True}
    assert (
        admin_client.get(reverse("admin:assessments_councilsignin_changelist")).status_code == 200
    )


def test_council_account_links_are_not_made_by_hand(admin_client, officer):
    SignInIdentity.objects.create(user=officer, issuer="https://issuer.example", subject="s")

    assert admin_client.get(reverse("admin:assessments_signinidentity_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:assessments_signinidentity_changelist")).status_code == 200
    )
