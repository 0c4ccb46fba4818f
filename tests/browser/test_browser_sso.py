"""
Signing in with a council account in a real browser, through the whole redirect flow, against a
real OpenID Provider on a loopback port (tests/oidc_helpers.py): success, another issuer or
tenant, a person without an account, a replayed and an expired token, and the provider down
(with password sign-in still working). axe at 0 on our pages of the flow.
"""

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page

from assessments.models import CouncilSignIn, SignInIdentity
from tests.browser.helpers import axe_check, heading, sign_in, tab_to
from tests.oidc_helpers import EXPIRED_TOKENS, council_sign_in, running_provider

pytestmark = pytest.mark.browser

NOT_SIGNED_IN = "You have not been signed in"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _site(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.OIDC_CLIENT_SECRETS = {"northshire": "browser-test-secret"}


def go_to_council_sign_in(page: Page, email: str, *, check_axe: bool = True) -> None:
    page.goto(reverse("assessments:sign_in"))
    if check_axe:
        axe_check(page)
    page.get_by_role("link", name="Sign in with your council account").click()
    assert heading(page) == "Sign in with your council account"
    if check_axe:
        axe_check(page)
    page.get_by_label("Your council email address").fill(email)
    page.get_by_role("button", name="Continue").click()


def approve_at_provider(page: Page, sub: str) -> None:
    """The provider's own page (oidc-provider-mock's form): sign in as `sub`."""
    page.locator("#subject-input").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_an_officer_signs_in_with_their_council_account(page, provider, council, officer):
    council_sign_in(council, provider.issuer)
    provider.set_user("browser-officer", email=officer.email, email_verified=True)

    go_to_council_sign_in(page, officer.email)
    approve_at_provider(page, "browser-officer")

    page.wait_for_url(f"**{reverse('assessments:dashboard')}")
    axe_check(page)
    assert SignInIdentity.objects.filter(user=officer, subject="browser-officer").exists()


def test_council_sign_in_works_with_the_keyboard_and_without_javascript(
    no_js_page, provider, council, officer
):
    council_sign_in(council, provider.issuer)
    provider.set_user("browser-no-js", email=officer.email, email_verified=True)
    page = no_js_page
    page.goto(reverse("assessments:sign_in"))
    tab_to(page, page.get_by_role("link", name="Sign in with your council account"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Your council email address"))
    page.keyboard.type(officer.email)
    page.keyboard.press("Enter")
    approve_at_provider(page, "browser-no-js")

    page.wait_for_url(f"**{reverse('assessments:dashboard')}")


def test_a_replayed_callback_is_refused(page, provider, council, officer):
    council_sign_in(council, provider.issuer)
    provider.set_user("browser-replay", email=officer.email, email_verified=True)
    callbacks = []
    page.on(
        "request",
        lambda request: (
            callbacks.append(request.url)
            if reverse("assessments:sso_callback") in request.url
            else None
        ),
    )
    go_to_council_sign_in(page, officer.email)
    approve_at_provider(page, "browser-replay")
    page.wait_for_url(f"**{reverse('assessments:dashboard')}")
    page.context.clear_cookies()

    page.goto(callbacks[0])

    assert heading(page) == NOT_SIGNED_IN
    axe_check(page)


def test_a_person_without_an_account_is_refused(page, provider, council):
    council_sign_in(council, provider.issuer)
    provider.set_user("browser-stranger", email="stranger@example.org", email_verified=True)

    go_to_council_sign_in(page, "stranger@example.org")
    approve_at_provider(page, "browser-stranger")

    assert heading(page) == NOT_SIGNED_IN
    assert "There is no account for you" in page.content()
    axe_check(page)


def test_a_token_from_another_tenant_is_refused(page, provider, council, officer):
    # The discovery document is cached from a provider that claims the council's tenant while
    # its tokens say otherwise: the token's `iss` is refused.
    tenant = "https://login.microsoftonline.com/council-tenant/v2.0"
    council_sign_in(council, tenant)
    metadata = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
    metadata["jwks"] = requests.get(metadata["jwks_uri"], timeout=5).json()
    cache.set(f"oidc-discovery:{tenant}", {**metadata, "issuer": tenant})
    provider.set_user("browser-tenant", email=officer.email, email_verified=True)

    go_to_council_sign_in(page, officer.email)
    approve_at_provider(page, "browser-tenant")

    assert heading(page) == NOT_SIGNED_IN
    assert not SignInIdentity.objects.exists()


def test_an_expired_token_is_refused(page, council, officer):
    with running_provider(**EXPIRED_TOKENS) as expired:
        council_sign_in(council, expired.issuer)
        expired.set_user("browser-expired", email=officer.email, email_verified=True)
        go_to_council_sign_in(page, officer.email)
        approve_at_provider(page, "browser-expired")

        assert heading(page) == NOT_SIGNED_IN


def test_the_provider_down_gets_a_plain_message_and_password_sign_in_works(page, council, officer):
    with running_provider() as gone:
        issuer = gone.issuer
    CouncilSignIn.objects.create(
        council=council,
        enabled=True,
        issuer=issuer,
        client_id="client",
        allowed_email_domains="example.org",
    )

    go_to_council_sign_in(page, officer.email)

    assert heading(page) == NOT_SIGNED_IN
    assert "sign-in is not working at the moment" in page.content()
    axe_check(page)
    page.get_by_role("link", name="Sign in with your email address and password").click()
    sign_in(page, officer.email)
    page.wait_for_url(f"**{reverse('assessments:dashboard')}")
